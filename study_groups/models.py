"""Models of the Study groups app."""
