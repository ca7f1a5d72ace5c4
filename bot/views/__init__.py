"""Block Kit views: the App Home tab and the configuration modals (pure builders and parsers)."""
