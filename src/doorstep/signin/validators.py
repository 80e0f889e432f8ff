"""Password rules beyond Django's: the password must not contain the username."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotUsernameValidator:
    """Refuses a password that contains the username (in any case), e.g. ``agent_li2026!``.

    Django's similarity check compares the whole strings, so a username with a few characters
    added can pass it."""

    def validate(self, password: str, user: Any = None) -> None:
        username = user.get_username() if user is not None else ""
        if len(username) >= 3 and username.casefold() in password.casefold():
            raise ValidationError(
                _("The password must not contain your username."), code="password_has_username"
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your username.")
