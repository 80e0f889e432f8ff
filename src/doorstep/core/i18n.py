"""Translation markers for pure modules, which must not import Django.

``makemessages`` finds calls by name, so a message wrapped in ``gettext_noop`` here lands in the
catalogue; the Django layer translates it with ``gettext`` when it shows it.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    return message
