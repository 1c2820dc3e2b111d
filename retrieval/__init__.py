"""Retrieval: question -> normalise -> hybrid search -> fuse -> answer (see ARCHITECTURE.md)."""
