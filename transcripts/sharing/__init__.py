"""Sharing a recording by link: other logged-in people watch its transcript live."""
