"""The pathway programs' commands: `import-milestones`."""
