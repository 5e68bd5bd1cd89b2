"""Tessel selective-trainer service."""
