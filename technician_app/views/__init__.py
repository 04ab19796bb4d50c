"""One screen per file; each returns an ``ft.View``."""
