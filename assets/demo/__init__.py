"""Bundled demo recording (package data): see NOTICE.md and `vision.replay.load_demo_recording`."""
