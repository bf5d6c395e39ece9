"""Models of the Requirement checklists app."""
