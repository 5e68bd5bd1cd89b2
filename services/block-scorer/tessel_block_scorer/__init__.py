"""Tessel block-scorer service."""
