"""Metric scripts loaded by path with ``evaluate.load`` (the hub copies cannot be fetched offline)."""
