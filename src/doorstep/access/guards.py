"""PostgreSQL triggers that make the access logs append-only in the database itself, so not even
a bug or a shell session through the app's role can rewrite who read what.

Installed after every migrate (``post_migrate``), idempotently. SQLite has no such guard beyond
the models' own refusals; production runs on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

APPEND_ONLY_TABLES = ("portfolio_personaldataaccess", "access_exportrecord")

FUNCTION = """
CREATE OR REPLACE FUNCTION doorstep_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def install_append_only_triggers(using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for table in APPEND_ONLY_TABLES:
            if table not in existing:
                continue
            trigger = f"{table}_append_only"
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            cursor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION doorstep_append_only()"
            )
