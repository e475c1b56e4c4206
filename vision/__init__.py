"""vision: camera, video or replay -> tracked `BodyFrame`s -> `Intents` (see docs/vision.md).

Imports none of game, exercises or telemetry. MediaPipe is imported only when
a tracker is made, so replay-driven code (tests, the demo) never loads it.
"""
