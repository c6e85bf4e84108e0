"""Helpers shared by the tests: generated documents, a fake chat model, and small answer helpers."""
