"""Live recording: the socket edge, the session that relays audio to an engine, its audio
spool and lease, and what happens after a lost socket or a crashed server."""
