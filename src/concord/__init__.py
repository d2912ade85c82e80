"""Concord: build and keep a strong therapeutic alliance, and turn it into better adherence."""

__version__ = "0.1.0"
