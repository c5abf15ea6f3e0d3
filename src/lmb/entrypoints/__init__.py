"""Entrypoints: the HTTP app, the CLI, the worker and the composition root."""
