"""PDF -> pages -> chunks -> embeddings -> SQLite + HNSW. No Qt here, ever."""
