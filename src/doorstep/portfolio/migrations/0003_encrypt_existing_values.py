"""Encrypt what the personal fields held in clear, and fill the blind indexes."""

from django.db import migrations

from doorstep.keys.migrating import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0002_encrypted_personal_fields"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing("portfolio", "Customer"), migrations.RunPython.noop),
        migrations.RunPython(encrypt_existing("portfolio", "Phone"), migrations.RunPython.noop),
        migrations.RunPython(encrypt_existing("portfolio", "Address"), migrations.RunPython.noop),
    ]
