"""Models of the Enrollment app."""
