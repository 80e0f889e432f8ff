"""The shell around every screen: sign-in, the top bar, languages, error pages and formats."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client, override_settings

from doorstep.core.templatetags.ui import format_day, format_moment, format_money

pytestmark = pytest.mark.django_db


def english() -> Client:
    return Client(headers={"accept-language": "en"})


def test_the_sign_in_page_offers_the_demo_logins_outside_production(world) -> None:
    html = english().get("/login/").content.decode()
    assert "<code>doorstep-demo</code>" in html
    assert "<code>manager_wang</code>" in html


@override_settings(PRODUCTION=True)
def test_the_sign_in_page_never_mentions_the_demo_in_production(world) -> None:
    html = english().get("/login/").content.decode()
    assert "doorstep-demo" not in html
    assert "manager_wang" not in html


def test_signing_in_lands_on_the_case_list(world) -> None:
    client = english()
    response = client.post("/login/", {"username": "manager_wang", "password": "doorstep-demo"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"


def test_a_wrong_password_is_refused_on_the_form(world) -> None:
    response = english().post("/login/", {"username": "manager_wang", "password": "guess"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_signing_out_takes_a_post_and_ends_the_session(world) -> None:
    client = english()
    client.force_login(world.user("agent_li"))
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 302


def test_the_top_bar_names_the_person_their_role_and_branch(world) -> None:
    client = english()
    client.force_login(world.user("agent_li"))
    html = client.get("/cases/").content.decode()
    assert "<strong>agent_li</strong>" in html
    assert "Field agent · 西湖支行" in html
    assert 'action="/logout/" method="post"' in html
    assert "/admin/" not in html


def test_head_office_staff_without_a_branch_read_head_office(world) -> None:
    client = english()
    client.force_login(world.user("compliance_zhou"))
    assert "Compliance officer · Head office" in client.get("/cases/").content.decode()


def test_django_admin_is_linked_only_for_users_who_may_use_it(world) -> None:
    user = world.user("admin")
    user.is_staff = True
    user.save()
    client = english()
    client.force_login(user)
    assert 'href="/admin/"' in client.get("/cases/").content.decode()


def test_chinese_is_the_default_and_english_is_one_click_away(world) -> None:
    client = Client()
    client.force_login(world.user("manager_wang"))
    assert '<html lang="zh-hans">' in client.get("/cases/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/cases/?bucket=M3"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/?bucket=M3"
    html = client.get("/cases/").content.decode()
    assert '<html lang="en">' in html
    assert ">Sign out</button>" in html
    assert 'aria-pressed="true">English</button>' in html


def test_every_page_carries_the_csrf_token_for_htmx_and_loads_assets_locally(world) -> None:
    client = english()
    client.force_login(world.user("manager_wang"))
    html = client.get("/cases/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)
    assert token is not None
    assert '<script src="/static/doorstep/vendor/htmx.min.js" defer></script>' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert finders.find("doorstep/vendor/htmx.min.js") is not None
    assert finders.find("doorstep/vendor/htmx.LICENSE.txt") is not None
    assert finders.find("doorstep/doorstep.css") is not None


def test_htmx_keeps_no_page_snapshots_in_local_storage(world) -> None:
    html = english().get("/login/").content.decode()
    assert '{"historyCacheSize": 0, "refreshOnHistoryMiss": true, ' in html


def test_an_unknown_page_uses_the_not_found_page(world) -> None:
    client = english()
    client.force_login(world.user("manager_wang"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_the_server_error_page_renders_without_a_request() -> None:
    html = render_to_string("500.html")
    assert "500" in html
    assert "/static/doorstep/doorstep.css" in html


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.56"), "¥1,234.56"),
        (Decimal("0"), "¥0.00"),
        (Decimal("1234567.005"), "¥1,234,567.01"),
        (Decimal("-20.5"), "-¥20.50"),
        (500, "¥500.00"),
        (None, "—"),
    ],
)
def test_money_is_yuan_with_separators_and_two_places(value, shown) -> None:
    assert format_money(value) == shown


def test_dates_and_times_are_iso_in_shanghai_time() -> None:
    utc_evening = datetime(2026, 6, 30, 17, 5, tzinfo=ZoneInfo("UTC"))
    assert format_day(date(2026, 6, 30)) == "2026-06-30"
    assert format_day(utc_evening) == "2026-07-01"
    assert format_moment(utc_evening) == "2026-07-01 01:05"
    assert format_day(None) == "—"


def test_badges_are_coloured_by_the_stored_value_not_the_label() -> None:
    template = Template('{% load ui %}{% badge "bucket" value label %}')
    html = template.render(Context({"value": "M6+", "label": "<M6+>"}))
    assert html == '<span class="badge bucket-M6plus">&lt;M6+&gt;</span>'
