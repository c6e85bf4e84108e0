"""Shortcuts: curated answers and the answer cache, answered without the model."""
