"""Reusable widgets: big touch targets and big numbers for use on the road."""
