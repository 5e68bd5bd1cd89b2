"""Pure metric computations (numpy only, no transport)."""
