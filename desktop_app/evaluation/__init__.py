"""Evaluation: scored runs over a questions file, a client of the engine facade."""
