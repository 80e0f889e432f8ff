"""``{% case_score case %}``: the newest score of a case and why, for the case page."""

from __future__ import annotations

from typing import Any

from django import template

from doorstep.scoring.models import Score
from doorstep.scoring.selectors import reason_lines

register = template.Library()


@register.inclusion_tag("scoring/_case_score.html")
def case_score(case: Any) -> dict[str, Any]:
    """The caller has already loaded ``case`` through the case selectors (it is in scope)."""
    score = (
        Score.objects.filter(case=case).select_related("model_version").order_by("-as_of").first()
    )
    return {"score": score, "reasons": reason_lines(score) if score else []}
