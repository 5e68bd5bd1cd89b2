"""Transport-free estimation: settings, the job's computation and confidence from sent outputs."""
