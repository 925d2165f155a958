"""Background agents that stream their progress to connected users."""
