"""SQLite: the schema and migrations of every table, the library, the keyword index, vectors and the HNSW cache."""
