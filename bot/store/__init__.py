"""Persistence: channel digests, post history, audit log."""
