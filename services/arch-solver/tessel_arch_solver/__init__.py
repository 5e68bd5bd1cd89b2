"""Tessel arch-solver service."""
