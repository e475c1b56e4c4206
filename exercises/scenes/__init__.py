"""Everyday-task scenes of the games, as pure logic (no pygame, no disk).

Each game is dressed as a daily activity the patient knows: reaching takes cups from a
kitchen shelf to a table (kitchen.py), tapping plays a drum to the metronome, pinch picks
berries into a jar, open/close squeezes an orange (hands.py). These modules decide WHERE
things are (in body units, from the exercise's own calibrated targets) and WHAT a success
does over time (a cup lifted and carried, a berry dropped into the jar); game/views draws
them. The gentle score and combo are in reward.py, the activity each game trains and its
link to the patient's PSFS goals in activities.py.
"""
