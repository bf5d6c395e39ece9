"""Models of the Certificates app."""
