"""Writing results out: Gradescope JSON, the gradebook CSV, the terminal summary."""
