"""Graded motor imagery (GMI): laterality, imagined movements, stage gates.

Pure logic only (no pygame, no camera, no disk): the game draws and answers,
these modules decide. See docs/therapies.md.
"""
