"""Volunteering's commands: `volunteering-sweep`."""
