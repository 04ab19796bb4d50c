"""Tables that only ever grow, enforced by the database itself.

The ledger (entries are reversed, never edited) and the audit log (hash-chained) are
append-only by design; triggers make the database refuse UPDATE and DELETE on them, so a
bug or a stray script cannot rewrite history either. The hash chain of the audit
log still catches someone who drops the triggers first (database owner rights), and the
head hash kept elsewhere catches truncation (``doorstep audit verify --expect-head``).

The same statements run when the schema is built from the models (tests, ``create_all``)
and in the Alembic revision that adds them to existing databases. TRUNCATE is left alone:
it is how test fixtures reset a database, never something the application does.
"""

from __future__ import annotations

from sqlalchemy import DDL, MetaData, event

APPEND_ONLY_TABLES = ("audit_log", "journal_entry", "journal_line")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION doorstep_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql
"""


def create_statements(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            _PG_FUNCTION,
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION doorstep_append_only()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
    return []


def drop_statements(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]
    return []


def install(metadata: MetaData) -> None:
    """Attach the triggers to ``create_all`` of these tables (each dialect its own)."""
    for name in APPEND_ONLY_TABLES:
        table = metadata.tables[name]
        for dialect in ("postgresql", "sqlite"):
            for statement in create_statements(name, dialect):
                ddl = DDL(statement.replace("%", "%%"))  # DDL() formats with %
                event.listen(table, "after_create", ddl.execute_if(dialect=dialect))
