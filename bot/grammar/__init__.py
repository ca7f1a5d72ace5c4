"""Pure parsers of what people type: the `/news-admin` grammar."""
