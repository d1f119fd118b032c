"""Ingestion: raw files -> typed, validated, pseudonymised Parquet store."""
