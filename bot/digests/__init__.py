"""Digest definitions: what a channel gets, when."""
