"""The case screens through HTTP: what each person sees, what they may do, and what is refused."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from doorstep.cases import services
from doorstep.cases.models import (
    Assignment,
    BucketChange,
    Case,
    CaseParticipant,
    Entry,
    StatusChange,
    Transfer,
)
from doorstep.cases.views import bucket_cause
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.portfolio.models import Payment, PersonalDataAccess

pytestmark = pytest.mark.django_db

HTMX = {"hx-request": "true"}


@pytest.fixture
def as_user(world):  # type: ignore[no-untyped-def]
    """A signed-in English-speaking browser for one of the cast."""

    def sign_in(name: str) -> Client:
        client = Client(headers={"accept-language": "en"})
        client.force_login(world.user(name))
        return client

    return sign_in


def references(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [case.reference for case in response.context["page"]]


# Who sees which of the two cases, by role and branch (see doorstep.core.testing).
SCOPE = {
    "manager_wang": {"zhang"},
    "agent_li": {"zhang"},
    "agent_zhao": set(),
    "manager_liu": {"huang"},
    "agent_sun": set(),
    "branch_admin_he": {"zhang"},
    "compliance_zhou": {"zhang", "huang"},
    "auditor_chen": {"zhang", "huang"},
    "complaints_sun": set(),
    "legal_qian": set(),
    "finance_wu": set(),
    "admin": {"zhang", "huang"},
}


@pytest.mark.parametrize(("name", "visible"), sorted(SCOPE.items()))
def test_each_person_lists_and_opens_only_the_cases_in_their_scope(
    world, as_user, name, visible
) -> None:
    client = as_user(name)
    cases = {"zhang": world.zhang_case, "huang": world.huang_case}
    listed = client.get("/cases/")
    assert listed.status_code == 200
    assert sorted(references(listed)) == sorted(cases[key].reference for key in visible)
    for key, case in cases.items():
        response = client.get(f"/cases/{case.pk}/")
        assert response.status_code == (200 if key in visible else 404)


def test_an_out_of_scope_case_answers_the_not_found_page(world, as_user) -> None:
    response = as_user("manager_wang").get(f"/cases/{world.huang_case.pk}/")
    assert response.status_code == 404
    assert "not among the cases you work on" in response.content.decode()
    assert world.debtor_huang.name not in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(world) -> None:
    response = Client().get("/cases/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/cases/"


def test_an_htmx_request_after_the_session_ended_sends_the_window_to_sign_in(world) -> None:
    response = Client().get(
        "/cases/?bucket=M3",
        headers={**HTMX, "hx-current-url": "http://testserver/cases/?bucket=M2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/cases/%3Fbucket%3DM2"


# --- The list: filters, search, sort, pages ---------------------------------------------------


def test_filters_narrow_by_bucket_status_dpd_and_amount(world, as_user) -> None:
    client = as_user("admin")
    assert references(client.get("/cases/?bucket=M3")) == [world.zhang_case.reference]
    assert references(client.get("/cases/?bucket=M2&bucket=M3")) == [
        world.zhang_case.reference,
        world.huang_case.reference,
    ]
    assert references(client.get("/cases/?status=new")) == [world.huang_case.reference]
    assert references(client.get("/cases/?min_dpd=60")) == [world.zhang_case.reference]
    assert references(client.get("/cases/?max_dpd=60")) == [world.huang_case.reference]
    assert references(client.get("/cases/?min_amount=3000")) == [world.huang_case.reference]
    assert references(client.get("/cases/?min_amount=1000&max_amount=2000")) == [
        world.zhang_case.reference
    ]


def test_branch_and_agent_filters(world, as_user) -> None:
    client = as_user("admin")
    assert references(client.get(f"/cases/?branch={world.bj.pk}")) == [world.huang_case.reference]
    assert references(client.get(f"/cases/?agent={world.agent_li.pk}")) == [
        world.zhang_case.reference
    ]


def test_the_branch_filter_is_offered_only_to_roles_that_see_several_branches(
    world, as_user
) -> None:
    assert as_user("admin").get("/cases/").context["form"].shows_branch is True
    assert as_user("compliance_zhou").get("/cases/").context["form"].shows_branch is True
    assert as_user("manager_wang").get("/cases/").context["form"].shows_branch is False
    assert 'name="branch"' not in as_user("manager_wang").get("/cases/").content.decode()


def test_the_agent_filter_lists_the_agents_of_the_visible_branches(world, as_user) -> None:
    form = as_user("manager_wang").get("/cases/").context["form"]
    assert sorted(a.user.username for a in form.fields["agent"].queryset) == [
        "agent_li",
        "agent_zhao",
    ]
    assert as_user("agent_li").get("/cases/").context["form"].shows_agent is False


def test_an_agent_of_another_branch_is_not_a_valid_filter(world, as_user) -> None:
    response = as_user("manager_wang").get(f"/cases/?agent={world.agent_sun.pk}")
    assert response.status_code == 200
    assert response.context["page"] is None
    assert response.context["form"].errors == {
        "agent": ["Select a valid choice. That choice is not one of the available choices."]
    }


@pytest.mark.parametrize(
    "term",
    ["zhang_reference", "张", "customer_number", "account_number", "ZHANG_REFERENCE_LOWER"],
)
def test_search_finds_a_case_by_reference_name_customer_or_account_number(
    world, as_user, term
) -> None:
    case = world.zhang_case
    terms = {
        "zhang_reference": case.reference,
        "ZHANG_REFERENCE_LOWER": case.reference.lower(),
        "customer_number": world.debtor_zhang.external_id,
        "account_number": case.accounts.get().external_id,
    }
    response = as_user("admin").get("/cases/", {"q": terms.get(term, term)})
    assert references(response) == [case.reference]


@pytest.mark.parametrize("term", ["13912345678", "139 1234 5678", "330106198503071234"])
def test_searching_for_a_phone_or_id_number_is_refused_before_searching(
    world, as_user, term
) -> None:
    response = as_user("admin").get("/cases/", {"q": term})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert response.context["form"].errors["q"] == [
        "ID and phone numbers cannot be searched: they would be kept in the address bar and "
        "logs. Search by name, customer number or account number."
    ]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("min_dpd=abc", "min_dpd", "Enter a whole number."),
        ("max_amount=lots", "max_amount", "Enter a number."),
        ("min_amount=-5", "min_amount", "Ensure this value is greater than or equal to 0."),
        ("min_dpd=90&max_dpd=30", "max_dpd", "Must not be below the lower bound."),
        ("bucket=M9", "bucket", "Select a valid choice. M9 is not one of the available choices."),
        (
            "sort=password",
            "sort",
            "Select a valid choice. password is not one of the available choices.",
        ),
        (
            "page_size=100000",
            "page_size",
            "Select a valid choice. 100000 is not one of the available choices.",
        ),
    ],
)
def test_invalid_filter_input_shows_a_form_error_not_a_server_error(
    world, as_user, query, field, message
) -> None:
    response = as_user("admin").get(f"/cases/?{query}")
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert "Check the filters:" in response.content.decode()


def test_headers_sort_the_list_and_show_the_direction(world, as_user) -> None:
    client = as_user("admin")
    by_amount = client.get("/cases/?sort=amount")
    assert references(by_amount) == [world.zhang_case.reference, world.huang_case.reference]
    assert references(client.get("/cases/?sort=-amount")) == [
        world.huang_case.reference,
        world.zhang_case.reference,
    ]
    html = by_amount.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-amount" in html  # clicking the sorted column again reverses it


def test_pages_follow_the_chosen_page_size(world, as_user) -> None:
    for index in range(26):
        customer = make_customer(f"客户{index}", national_id=f"33010619900101{index:04d}")
        account = make_account(customer, world.xh, dues=[(date(2026, 6, 1), "100.00")])
        services.case_open(customer=customer, accounts=[account], as_of=AS_OF)
    client = as_user("manager_wang")
    first = client.get("/cases/?page_size=25")
    assert (len(references(first)), first.context["page"].paginator.count) == (25, 27)
    assert "Page 1 of 2" in first.content.decode()
    second = client.get("/cases/?page_size=25&page=2")
    assert len(references(second)) == 2
    assert len(references(client.get("/cases/?page_size=50"))) == 27


def test_an_htmx_filter_request_gets_only_the_results_and_the_current_sort(world, as_user) -> None:
    response = as_user("admin").get("/cases/?bucket=M3&sort=amount", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert world.zhang_case.reference in html
    assert world.huang_case.reference not in html
    assert 'id="sort-input" value="amount" hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]
    assert "HX-Push-Url" not in response


def test_an_invalid_htmx_filter_is_not_pushed_to_the_address_bar(world, as_user) -> None:
    response = as_user("admin").get("/cases/?q=13912345678", headers=HTMX)
    assert response["HX-Push-Url"] == "false"


def test_the_full_list_page_works_without_javascript(world, as_user) -> None:
    html = as_user("admin").get("/cases/?bucket=M3").content.decode()
    assert '<form class="filters card" method="get" action="/cases/"' in html
    assert re.search(r'<input [^>]*value="M3"[^>]*checked>', html)
    assert "1 case" in html


# --- The case file ----------------------------------------------------------------------------


def test_the_case_file_shows_the_arrears_and_a_masked_customer(world, as_user) -> None:
    response = as_user("manager_wang").get(f"/cases/{world.zhang_case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "¥2,000.00" in html
    assert "2026-04-16" in html  # opened on
    assert "330106********1234" in html
    assert "139****5678" in html
    assert "330106198503071234" not in html
    assert "13912345678" not in html
    assert "no-store" in response["Cache-Control"]


def test_the_case_file_shows_each_account_timeline_and_the_bucket_history(world, as_user) -> None:
    account = world.zhang_case.accounts.get()
    Payment.objects.create(
        account=account, external_id="TX-CURE", paid_on=date(2026, 7, 3), amount=Decimal("2000")
    )
    services.case_refresh_arrears(case=world.zhang_case, as_of=date(2026, 7, 5))
    html = as_user("manager_wang").get(f"/cases/{world.zhang_case.pk}/").content.decode()
    assert "due 2026-05-15, balance ¥20,000.00" in html
    assert "TX-CURE" in html
    assert "case opened: due of 2026-04-15 unpaid, ¥2,000.00 past due" in html
    assert "payment of ¥2,000.00" in html


@pytest.mark.parametrize(
    ("cause", "amount", "words"),
    [
        (BucketChange.Cause.MISSED_DUE, "1000.00", "due of 2026-04-15 (¥1,000.00) not paid"),
        (BucketChange.Cause.PAYMENT, "2000.00", "payment of ¥2,000.00"),
        (BucketChange.Cause.REVERSAL, "500.00", "payment of ¥500.00 reversed"),
        (BucketChange.Cause.AGEING, None, "arrears aged: due of 2026-04-15 still unpaid"),
    ],
)
def test_a_bucket_change_says_why_in_words(cause, amount, words) -> None:
    change = BucketChange(
        on=date(2026, 5, 16),
        from_bucket="M1",
        to_bucket="M2",
        dpd=31,
        cause=cause,
        cause_date=date(2026, 4, 15),
        cause_amount=Decimal(amount) if amount else None,
    )
    assert bucket_cause(change) == words


def test_only_the_actions_a_role_may_take_are_offered(world, as_user) -> None:
    manager = as_user("manager_wang").get(f"/cases/{world.zhang_case.pk}/").context["can"]
    assert manager == {
        "view": True,
        "note": True,
        "message": True,
        "transition": True,
        "assign": True,
        "transfer": True,
        "attach": True,
        "reveal": True,
    }
    html = as_user("auditor_chen").get(f"/cases/{world.zhang_case.pk}/").content.decode()
    for url in ("status", "assign", "transfer", "attach", "reveal", "thread", "notes"):
        assert f'action="/cases/{world.zhang_case.pk}/{url}/"' not in html


# --- Actions: success, refusal, denial --------------------------------------------------------


def post(client: Client, case: Case, action: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(f"/cases/{case.pk}/{action}/", data)


def test_a_manager_changes_the_status_with_a_reason(world, as_user) -> None:
    client = as_user("manager_wang")
    response = post(client, world.zhang_case, "status", status="promised", reason="PTP 2026-07-10")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{world.zhang_case.pk}/"
    world.zhang_case.refresh_from_db()
    assert world.zhang_case.status == "promised"
    change = StatusChange.objects.filter(case=world.zhang_case).last()
    assert (change.to_status, change.reason, change.actor) == (
        "promised",
        "PTP 2026-07-10",
        world.user("manager_wang"),
    )
    assert "Status changed to Promised to pay." in client.get(response["Location"]).content.decode()


def test_a_status_change_without_a_reason_is_refused_on_the_reason_field(world, as_user) -> None:
    response = post(as_user("manager_wang"), world.zhang_case, "status", status="promised")
    assert response.status_code == 200
    assert response.context["status_form"].errors == {"reason": ["Give a reason for this change."]}
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"


def test_a_status_the_lifecycle_does_not_allow_is_not_a_choice(world, as_user) -> None:
    response = post(as_user("manager_wang"), world.zhang_case, "status", status="new", reason="x")
    assert response.context["status_form"].errors == {
        "status": ["Select a valid choice. new is not one of the available choices."]
    }
    assert Case.objects.get(pk=world.zhang_case.pk).status == "active"


def test_a_write_off_before_180_days_names_the_rule(world, as_user) -> None:
    response = post(
        as_user("manager_wang"),
        world.zhang_case,
        "status",
        status="closed_written_off",
        reason="Uncollectable",
    )
    assert response.context["status_form"].errors == {
        "status": ["A write-off needs at least 180 days past due."]
    }


def test_a_manager_assigns_an_agent_of_the_branch(world, as_user) -> None:
    response = post(
        as_user("manager_wang"), world.zhang_case, "assign", agent=str(world.agent_zhao.pk)
    )
    assert response.status_code == 302
    world.zhang_case.refresh_from_db()
    assert world.zhang_case.agent == world.agent_zhao
    assert Assignment.objects.get(case=world.zhang_case, ended_at__isnull=True).agent == (
        world.agent_zhao
    )


def test_assigning_the_current_agent_again_is_refused_on_the_agent_field(world, as_user) -> None:
    response = post(
        as_user("manager_wang"), world.zhang_case, "assign", agent=str(world.agent_li.pk)
    )
    assert response.status_code == 200
    assert response.context["assign_form"].errors == {"agent": ["The case is already assigned so."]}
    assert Assignment.objects.filter(case=world.zhang_case).count() == 2


def test_an_agent_of_another_branch_is_not_offered_for_assignment(world, as_user) -> None:
    response = post(
        as_user("manager_wang"), world.zhang_case, "assign", agent=str(world.agent_sun.pk)
    )
    assert "agent" in response.context["assign_form"].errors
    assert Case.objects.get(pk=world.zhang_case.pk).agent == world.agent_li


def test_a_manager_transfers_a_case_and_both_branches_keep_the_thread(world, as_user) -> None:
    services.case_add_entry(
        case=world.zhang_case, author=world.user("agent_li"), kind="message", body="Moved?"
    )
    response = post(
        as_user("manager_wang"),
        world.zhang_case,
        "transfer",
        to_branch=str(world.bj.pk),
        reason="Debtor moved to Binjiang",
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get(case=world.zhang_case)
    assert (transfer.from_branch, transfer.to_branch) == (world.xh, world.bj)
    liu = as_user("manager_liu").get(f"/cases/{world.zhang_case.pk}/")
    assert liu.status_code == 200
    assert "Moved?" in liu.content.decode()
    assert "西湖支行" in liu.content.decode()  # the author's branch stays on the message
    wang = as_user("manager_wang").get(f"/cases/{world.zhang_case.pk}/")
    assert wang.status_code == 200
    assert wang.context["can"]["transfer"] is False


def test_a_transfer_without_a_reason_is_refused(world, as_user) -> None:
    response = post(
        as_user("manager_wang"), world.zhang_case, "transfer", to_branch=str(world.bj.pk)
    )
    assert response.context["transfer_form"].errors == {
        "reason": ["Give a reason for the transfer."]
    }
    assert not Transfer.objects.exists()


def test_a_manager_attaches_a_legal_specialist_who_then_sees_the_case(world, as_user) -> None:
    assert as_user("legal_qian").get(f"/cases/{world.zhang_case.pk}/").status_code == 404
    response = post(
        as_user("manager_wang"), world.zhang_case, "attach", staff=str(world.legal_qian.pk)
    )
    assert response.status_code == 302
    participant = CaseParticipant.objects.get(case=world.zhang_case)
    assert (participant.staff, participant.capacity) == (world.legal_qian, "legal")
    assert as_user("legal_qian").get(f"/cases/{world.zhang_case.pk}/").status_code == 200


def test_attaching_the_same_specialist_twice_is_refused(world, as_user) -> None:
    client = as_user("manager_wang")
    post(client, world.zhang_case, "attach", staff=str(world.finance_wu.pk))
    response = post(client, world.zhang_case, "attach", staff=str(world.finance_wu.pk))
    assert response.context["attach_form"].errors == {"staff": ["Already attached."]}
    assert CaseParticipant.objects.filter(case=world.zhang_case).count() == 1


def test_an_agent_posts_to_the_thread_through_htmx(world, as_user) -> None:
    response = as_user("agent_li").post(
        f"/cases/{world.zhang_case.pk}/thread/", {"body": "Visited, nobody home."}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="entries-message"' in html
    assert "Visited, nobody home." in html
    assert "西湖支行" in html
    entry = Entry.objects.get(case=world.zhang_case)
    assert (entry.kind, entry.author, entry.author_branch) == (
        "message",
        world.user("agent_li"),
        world.xh,
    )


def test_an_empty_thread_message_is_refused_on_the_form(world, as_user) -> None:
    response = as_user("agent_li").post(
        f"/cases/{world.zhang_case.pk}/thread/", {"body": "   "}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Write something first." in response.content.decode()
    assert not Entry.objects.exists()


def test_a_note_without_javascript_redirects_back_to_the_notes(world, as_user) -> None:
    response = as_user("manager_wang").post(
        f"/cases/{world.zhang_case.pk}/notes/", {"body": "Income fell."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{world.zhang_case.pk}/#notes"
    assert Entry.objects.get().kind == "note"


DENIED = [
    ("compliance_zhou", "status", {"status": "promised", "reason": "x"}),
    ("auditor_chen", "status", {"status": "promised", "reason": "x"}),
    ("agent_li", "assign", {"agent": "agent_zhao"}),
    ("agent_li", "transfer", {"to_branch": "bj", "reason": "x"}),
    ("agent_li", "attach", {"staff": "legal_qian"}),
    ("auditor_chen", "thread", {"body": "x"}),
    ("compliance_zhou", "notes", {"body": "x"}),
    ("auditor_chen", "reveal", {"reason": "sampling"}),
]


def _snapshot(case: Case) -> tuple[object, ...]:
    case.refresh_from_db()
    return (
        case.status,
        case.agent_id,
        case.branch_id,
        StatusChange.objects.count(),
        Assignment.objects.count(),
        Transfer.objects.count(),
        CaseParticipant.objects.count(),
        Entry.objects.count(),
        PersonalDataAccess.objects.count(),
    )


@pytest.mark.parametrize(("name", "action", "data"), DENIED)
def test_a_denied_action_is_forbidden_and_changes_nothing(
    world, as_user, name, action, data
) -> None:
    references_by_name = {
        "agent_zhao": world.agent_zhao.pk,
        "bj": world.bj.pk,
        "legal_qian": world.legal_qian.pk,
    }
    form = {key: str(references_by_name.get(value, value)) for key, value in data.items()}
    before = _snapshot(world.zhang_case)
    response = post(as_user(name), world.zhang_case, action, **form)
    assert response.status_code == 403
    assert "Your role may not do this" in response.content.decode()
    assert _snapshot(world.zhang_case) == before


@pytest.mark.parametrize(
    "action", ["status", "assign", "transfer", "attach", "thread", "notes", "reveal"]
)
def test_every_action_on_an_out_of_scope_case_is_not_found(world, as_user, action) -> None:
    before = _snapshot(world.huang_case)
    response = post(as_user("manager_wang"), world.huang_case, action, reason="x", body="x")
    assert response.status_code == 404
    assert _snapshot(world.huang_case) == before


def test_actions_only_accept_post(world, as_user) -> None:
    assert as_user("manager_wang").get(f"/cases/{world.zhang_case.pk}/status/").status_code == 405


# --- Personal data ----------------------------------------------------------------------------


def test_revealing_shows_full_numbers_once_and_logs_who_why_and_from_where(world, as_user) -> None:
    client = as_user("manager_wang")
    response = post(client, world.zhang_case, "reveal", reason="Confirm identity before visit")
    html = response.content.decode()
    assert response.status_code == 200
    assert "330106198503071234" in html
    assert "13912345678" in html
    assert "no-store" in response["Cache-Control"]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.customer, access.reason, access.channel, access.remote_addr) == (
        world.user("manager_wang"),
        world.debtor_zhang,
        "Confirm identity before visit",
        "web",
        "127.0.0.1",
    )
    again = client.get(f"/cases/{world.zhang_case.pk}/").content.decode()
    assert "330106198503071234" not in again
    assert "330106********1234" in again
    assert "330106198503071234" not in str(dict(client.session))


def test_switching_language_after_a_reveal_returns_to_the_case_not_the_post(world, as_user) -> None:
    response = post(as_user("manager_wang"), world.zhang_case, "reveal", reason="Before visit")
    assert f'name="next" value="/cases/{world.zhang_case.pk}/"' in response.content.decode()


def test_revealing_through_htmx_swaps_only_the_profile(world, as_user) -> None:
    response = as_user("agent_li").post(
        f"/cases/{world.zhang_case.pk}/reveal/", {"reason": "Before the visit"}, headers=HTMX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="customer-profile"' in html
    assert "13912345678" in html
    assert PersonalDataAccess.objects.count() == 1


def test_a_reveal_without_a_reason_stays_masked_and_logs_nothing(world, as_user) -> None:
    response = as_user("manager_wang").post(
        f"/cases/{world.zhang_case.pk}/reveal/", {"reason": "ok"}, headers=HTMX
    )
    html = response.content.decode()
    assert "Say why you need the full personal data (at least 4 characters)." in html
    assert "330106********1234" in html
    assert "330106198503071234" not in html
    assert not PersonalDataAccess.objects.exists()


def test_an_auditor_sees_masks_and_is_not_offered_a_reveal(world, as_user) -> None:
    html = as_user("auditor_chen").get(f"/cases/{world.zhang_case.pk}/").content.decode()
    assert "330106********1234" in html
    assert "reveal-reason" not in html


# --- Cost -------------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_however_many_rows_it_shows(world, as_user) -> None:
    client = as_user("admin")
    few = _queries(client, "/cases/")
    for index in range(5):
        customer = make_customer(f"客户{index}", national_id=f"33010619900101{index:04d}")
        account = make_account(customer, world.xh, dues=[(date(2026, 6, 1), "100.00")])
        case = services.case_open(customer=customer, accounts=[account], as_of=AS_OF)
        services.case_assign(case=case, agent=world.agent_zhao, actor=world.user("admin"))
    assert _queries(client, "/cases/") == few


def test_the_case_file_costs_the_same_queries_however_long_its_history(world, as_user) -> None:
    client = as_user("manager_wang")
    url = f"/cases/{world.zhang_case.pk}/"
    short = _queries(client, url)
    for name in ("agent_li", "manager_wang", "agent_li"):
        services.case_add_entry(
            case=world.zhang_case, author=world.user(name), kind="message", body="x"
        )
    services.case_assign(
        case=world.zhang_case, agent=world.agent_zhao, actor=world.user("manager_wang")
    )
    services.case_transition(
        case=world.zhang_case, target="promised", actor=world.user("agent_zhao"), reason="PTP"
    )
    services.case_attach(
        case=world.zhang_case,
        staff=world.legal_qian,
        capacity="legal",
        actor=world.user("manager_wang"),
    )
    assert _queries(client, url) == short
