"""Retrieval: keyword and vector search, fusion, scope filters."""
