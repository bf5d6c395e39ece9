"""Models of the Deadlines, Maintenance and Re-Certification app."""
