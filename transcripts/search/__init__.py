"""Full-text search over transcripts, the same on PostgreSQL and SQLite."""
