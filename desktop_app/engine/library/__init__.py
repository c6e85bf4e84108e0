"""Library upkeep: the doctor and page rendering."""
