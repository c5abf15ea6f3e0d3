"""Adapters implementing the application ports: SQL, HTTP clients, SMTP, fakes, simulators."""
