"""Readers, normalisation, validation, entity resolution and demo data."""
