"""A migration step that encrypts the values a table held in clear before its fields became
encrypted, and fills their blind indexes. Rows already encrypted are left alone, so it can run
again. Use in a migration after the AlterField/AddField operations::

    migrations.RunPython(encrypt_existing("portfolio", "Phone"), migrations.RunPython.noop)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from doorstep.core import crypto
from doorstep.keys import keyring
from doorstep.keys.fields import BlindIndexField, EncryptedTextField

BATCH = 2_000


def encrypt_existing(app_label: str, model_name: str) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        model = apps.get_model(app_label, model_name)
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
        if not fields:
            return
        keyring.ensure_keys(using=connection.alias)
        key = keyring.active_key()
        index_key = keyring.index_key()
        by_name = {f.name: f for f in fields}
        quote = connection.ops.quote_name
        table = model._meta.db_table
        pk = model._meta.pk.column
        columns = [f.column for f in fields]
        select = "SELECT {}, {} FROM {} WHERE {} > %s ORDER BY {} LIMIT {}".format(  # noqa: S608  # nosec B608: names from model meta, quoted
            quote(pk),
            ", ".join(quote(c) for c in columns),
            quote(table),
            quote(pk),
            quote(pk),
            BATCH,
        )
        targets = columns + [f.column for f in indexes]
        update = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608  # nosec B608: names from model meta, quoted
            quote(table), ", ".join(f"{quote(c)} = %s" for c in targets), quote(pk)
        )
        last: Any = -1 if model._meta.pk.get_internal_type() != "CharField" else ""
        while True:
            with connection.cursor() as cursor:
                cursor.execute(select, [last])
                rows = cursor.fetchall()
            if not rows:
                return
            changes = []
            for row in rows:
                plain: dict[str, str | None] = {}
                stored = []
                for field, raw in zip(fields, row[1:], strict=True):
                    if raw is None or raw == "" or crypto.is_ciphertext(raw):
                        stored.append(raw)
                        plain[field.name] = None
                        continue
                    text = field.encode(field.from_clear(raw))
                    plain[field.name] = text
                    context = f"{table}.{field.column}"
                    stored.append(crypto.encrypt(text.encode(), key, context))
                if all(value is None for value in plain.values()):
                    continue
                index_values: list[str | None] = []
                for index in indexes:
                    source = plain.get(index.source)
                    if source is None and index.source in by_name:
                        # Already encrypted: keep the index as it is.
                        index_values.append(None)
                        continue
                    index_values.append(
                        crypto.blind_index(index_key, index.domain, source) if source else ""
                    )
                if None in index_values:
                    continue
                changes.append([*stored, *index_values, row[0]])
            if changes:
                with connection.cursor() as cursor:
                    cursor.executemany(update, changes)
            last = rows[-1][0]

    return run
