"""The inbox: messages to one user (certificate expired, complaint resolved, ...).

Below every domain, so any use case can tell someone."""
