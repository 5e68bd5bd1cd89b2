"""Tessel active-learner service."""
