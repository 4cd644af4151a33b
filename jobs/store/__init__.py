"""Storage: the database binding, the models, compiled statements and shared row operations."""
