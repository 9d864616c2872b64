"""Domain operations the views and CLI call. They flush, never commit."""
