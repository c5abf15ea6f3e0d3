"""Public hypothesis strategies and builders for lmb domain objects."""
