"""Models arrive with the declaration-flow issues (see shared/ROADMAP.md)."""
