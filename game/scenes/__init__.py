"""Scenes of a session: title, safety, patient, check-in, calibration, exercise, rest, summary."""
