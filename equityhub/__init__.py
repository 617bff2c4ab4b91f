"""Equity Hub: the Office of Diversity Programs and the Consortium for Community Partnerships."""

__version__ = "0.1.0"
