"""Doorstep customer app (Flet): browse, quote, book, pay, track, review."""
