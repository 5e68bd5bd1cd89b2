"""Tessel metrics service."""
