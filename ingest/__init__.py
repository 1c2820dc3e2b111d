"""Ingestion: documents -> section tree -> chunks -> Chroma (see ARCHITECTURE.md)."""
