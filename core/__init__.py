"""The lowest shared layer: names every other package may import.

`core` imports nothing of the project (and no third-party library), so
vision, exercises, telemetry, game and clinic can all depend on it without a
cycle. Today it holds the event vocabulary (core/events.py).
"""
