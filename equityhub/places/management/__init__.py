"""Places' commands: `import-areas`, `import-indicators`."""
