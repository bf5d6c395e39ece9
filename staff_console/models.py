"""Models of the staff console (evidence-pack jobs)."""
