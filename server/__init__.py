"""Doorstep server: FastAPI + SQLModel, one package per domain (see ARCHITECTURE.md §1)."""
