"""The Concord command line (Typer + Rich)."""
