"""The Textual console: the only layer that imports Textual (DESIGN.md)."""
