"""Models of the Metric reports and tokens app."""
