"""Marks: moments people mark during a meeting (bookmarks, action items, decisions)."""
