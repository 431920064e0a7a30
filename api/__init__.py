"""Surfaces over the library: the ``innonet`` CLI, the FastAPI app, rendering of maps and reports."""
