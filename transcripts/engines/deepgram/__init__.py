"""Deepgram behind the engine interfaces: live streams (live.py) and files (files.py).

Every import of deepgram-sdk is in _sdk.py, the one door to it.
"""
