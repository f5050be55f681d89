"""Open data: the city's catalogue of datasets, their rows, server-side queries and officers' uploads."""
