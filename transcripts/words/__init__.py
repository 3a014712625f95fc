"""Words: a reviewer accepts a word the engine was unsure of."""
