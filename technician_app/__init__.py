"""Doorstep technician app (Flet): accept, navigate, check in, SOPs, offline queue."""
