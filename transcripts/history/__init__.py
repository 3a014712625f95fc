"""A recording's edit history: its versions, word diffs between them, restoring a segment."""
