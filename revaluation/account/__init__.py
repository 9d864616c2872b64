"""The signed-in person's own settings: personal API tokens."""
