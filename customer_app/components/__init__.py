"""Reusable widgets of the customer app."""
