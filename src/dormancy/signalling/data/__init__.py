"""Package data: the dormancy-switch network table."""
