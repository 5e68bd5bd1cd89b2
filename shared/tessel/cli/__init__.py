"""The `tessel` command-line interface."""
