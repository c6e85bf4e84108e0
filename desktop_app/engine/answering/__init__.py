"""Answering: one answerer over one question; prompt, memory, citations, verification, conversations, tasks."""
