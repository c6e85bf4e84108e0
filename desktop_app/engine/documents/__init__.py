"""Whole-document work: summaries, comparisons and exhaustive finds that read every page."""
