"""Built-in scenario files (``dormancy scenarios`` lists them)."""
