"""Use cases and the ports they need; knows no adapter."""
