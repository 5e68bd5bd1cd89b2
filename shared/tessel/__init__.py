"""Tessel: compress deep models and ship them with a reject option and a risk guarantee."""
