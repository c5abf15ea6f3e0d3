"""lmb: last-minute booking for vaccination campaigns in Belgium."""

__version__ = "0.1.0"
