"""Tessel pipeline service: the compression job over the other services."""
