"""Package data: the parameter sets (sets/*.yaml) and the bibliography."""
