"""Tessel uncertainty-estimator service."""
