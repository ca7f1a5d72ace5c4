"""Talking to Slack: the WebClient factory, the poster (retries, metadata, history check), posting health."""
