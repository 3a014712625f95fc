"""Transcription jobs on the worker: uploads transcribed, live recordings refined."""
