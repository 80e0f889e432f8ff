"""The knowledge-base screens: a compliance officer drafts a change, cannot approve it herself,
a second officer approves it and the chat's article page serves it; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.assistant.models import ArticleVersion
from doorstep.core.testing import make_staff
from doorstep.staff.models import Role

pytestmark = pytest.mark.django_db

DRAFT = {
    "slug": "repayment-extension",
    "lang": "en",
    "title": "Asking for more time to repay",
    "body": "You can ask the bank for more time.\n\n<script>alert(1)</script>",
    "cites": "Civil Code Art. 676\nPIPL Art. 13",
    "keywords": "extension, more time",
}


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def test_a_draft_is_served_only_after_a_second_officer_approves_it(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("compliance_zhou"))
    saved = client.post("/assistant/kb/edit/", DRAFT)
    assert saved.status_code == 302
    draft = ArticleVersion.objects.get(title=DRAFT["title"])
    assert draft.status == ArticleVersion.Status.DRAFT
    assert draft.cites == ["Civil Code Art. 676", "PIPL Art. 13"]
    page = client.get(f"/assistant/kb/versions/{draft.pk}/")
    assert b"You wrote this draft" in page.content
    assert b"<script>alert(1)</script>" not in page.content  # escaped, never run
    assert client.get("/assistant/articles/repayment-extension/?lang=en").status_code == 404

    qin = make_staff("compliance_qin", Role.COMPLIANCE_OFFICER)
    client.force_login(qin.user)
    assert b"Record the review" in client.get(f"/assistant/kb/versions/{draft.pk}/").content
    reviewed = client.post(
        f"/assistant/kb/versions/{draft.pk}/", {"approve": "1", "review_due": "2027-06-30"}
    )
    assert reviewed.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ArticleVersion.Status.REVIEWED
    served = client.get("/assistant/articles/repayment-extension/?lang=en")
    assert DRAFT["title"] in served.content.decode()
    index = client.get("/assistant/kb/").content.decode()
    assert "2027-06-30" in index


def test_an_article_without_a_citation_is_refused_on_its_field(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user("compliance_zhou"))
    answer = client.post("/assistant/kb/edit/", {**DRAFT, "cites": "  "})
    assert answer.status_code == 400
    assert "cites" in answer.context["form"].errors
    assert not ArticleVersion.objects.filter(title=DRAFT["title"]).exists()


@pytest.mark.parametrize("name", ["agent_li", "manager_wang", "auditor_chen"])
def test_only_compliance_officers_reach_the_screens(world, client, name: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.user(name))
    assert client.get("/assistant/kb/").status_code == 404
    assert client.post("/assistant/kb/edit/", DRAFT).status_code == 404
