"""The plain copies of legal documents under ``DATA_DIR/legal`` are deleted once the previous
migration has committed their encrypted copies: only a file whose document holds content that
hashes to the same SHA-256 is removed, so a failure here can never lose a document."""

import base64
import hashlib
from pathlib import Path

from django.conf import settings
from django.db import migrations

from doorstep.keys import keyring


def remove_plain_files(apps, schema_editor):  # type: ignore[no-untyped-def]
    Document = apps.get_model("legal", "Document")
    alias = schema_editor.connection.alias
    folder = Path(settings.DATA_DIR) / "legal"
    if not folder.is_dir():
        return
    keyring.ensure_keys(using=alias)
    for document in Document.objects.using(alias).all():
        path = folder / document.sha256[:2] / document.sha256
        if not document.content or not path.exists():
            continue
        if hashlib.sha256(base64.b64decode(document.content)).hexdigest() == document.sha256:
            path.unlink()
    for sub in folder.iterdir():
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0002_encrypted_documents"),
    ]

    operations = [
        migrations.RunPython(remove_plain_files, migrations.RunPython.noop),
    ]
