"""A JSON column that works on SQLite and PostgreSQL alike."""

from sqlalchemy import JSON, Column


def json_column(nullable: bool = False) -> Column:
    return Column(JSON, nullable=nullable)
