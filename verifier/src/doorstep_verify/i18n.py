"""Translation of the verifier's messages with the standard library only (no Django here).

Messages are English in the source. A catalogue ``locale/<lang>/LC_MESSAGES/doorstep_verify.mo``
next to this file, chosen by the usual ``LANGUAGE``/``LC_ALL``/``LANG`` variables, translates
them; without one the English text is shown.
"""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "doorstep_verify"

_catalogue = gettext.translation(
    DOMAIN, localedir=Path(__file__).with_name("locale"), fallback=True
)


def _(message: str) -> str:
    return _catalogue.gettext(message)


def gettext_noop(message: str) -> str:
    """Marks a constant for extraction; it is translated where it is shown."""
    return message
