from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from doorstep.staff.selectors import staff_for


def staff(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's staff record, for the navigation bar."""
    return {"current_staff": staff_for(request.user)}
