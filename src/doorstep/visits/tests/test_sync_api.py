"""``POST /api/v1/field/sync`` through HTTP: every record stored exactly once, answered per
record, applied in the phone's order per visit, kept and flagged when outside its envelope or
about a closed case, refused with a clear error when invalid — and never silently dropped."""

from __future__ import annotations

import base64
import hashlib
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from doorstep.cases.models import Case
from doorstep.cases.services import case_transition
from doorstep.compliance.models import ContactEvent
from doorstep.ledger.selectors import entry_list
from doorstep.plans.models import Promise
from doorstep.visits.models import EvidenceFile, FieldRecord, Visit
from doorstep.visits.tests.conftest import at

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture(autouse=True)
def english(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def record(visit: Visit, kind: str, seq: int, when: Any, **data: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "visit": visit.pk,
        "kind": kind,
        "seq": seq,
        "captured_at": when.isoformat(),
        "data": data,
    }


def a_day(visit: Visit) -> list[dict[str, Any]]:
    """What agent_li's phone captured at zhang's door: check-in, outcome, promise, photo."""
    return [
        record(visit, "check_in", 1, at(10, 5), lat="30.277100", lon="120.130100"),
        record(visit, "outcome", 2, at(10, 30), outcome="promise"),
        record(visit, "promise", 3, at(10, 31), amount="1000.00", due_on="2026-07-10"),
        record(visit, "evidence", 4, at(10, 32), type="photo", sha256=SHA, bytes=48213),
    ]


def sync(client: Client, records: list[dict[str, Any]]) -> Any:
    response = client.post(
        "/api/v1/field/sync", {"records": records}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def li(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world.user("agent_li"))
    return client


def test_a_days_records_are_stored_once_each_with_their_ledger_entries(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    body = sync(li, a_day(visit))
    assert [r["status"] for r in body["results"]] == ["stored"] * 4
    assert (body["stored"], body["rejected"]) == (4, 0)
    visit.refresh_from_db()
    assert (visit.status, visit.outcome) == ("completed", "promise")
    assert FieldRecord.objects.filter(visit=visit).count() == 4
    synced = entry_list(kind="visit.field_record", subject=("visit", str(visit.pk)))
    assert synced.count() == 4
    assert SHA in synced.last().data
    assert ContactEvent.objects.get().outcome == "demand_stated"


def test_sending_the_same_batch_again_stores_nothing_new(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    batch = a_day(visit)
    sync(li, batch)
    again = sync(li, batch)
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 4
    assert [r["id"] for r in again["results"]] == [r["id"] for r in batch]
    assert FieldRecord.objects.count() == 4
    assert entry_list(kind="visit.field_record").count() == 4
    assert ContactEvent.objects.count() == 1


def test_a_batch_cut_off_midway_is_completed_by_sending_all_again(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    batch = a_day(visit)
    sync(li, batch[:2])
    body = sync(li, batch)
    assert [r["status"] for r in body["results"]] == ["duplicate", "duplicate", "stored", "stored"]
    assert FieldRecord.objects.count() == 4


def test_a_reordered_batch_is_applied_in_the_phones_order(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    batch = a_day(visit)
    body = sync(li, list(reversed(batch)))
    assert [r["status"] for r in body["results"]] == ["stored"] * 4
    assert [r["id"] for r in body["results"]] == [r["id"] for r in reversed(batch)]
    visit.refresh_from_db()
    assert visit.status == "completed"
    assert list(visit.transitions.values_list("to_status", flat=True)) == [
        "proposed",
        "scheduled",
        "checked_in",
        "completed",
    ]


def test_an_outcome_before_its_check_in_arrived_is_refused_for_a_retry(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    check_in, outcome = a_day(visit)[:2]
    early = sync(li, [outcome])["results"][0]
    assert early["status"] == "rejected"
    assert early["error"]["code"] == "check_in_first"
    assert not FieldRecord.objects.exists()
    later = sync(li, [check_in, outcome])["results"]
    assert [r["status"] for r in later] == ["stored", "stored"]


def test_invalid_records_get_a_clear_error_each_and_the_valid_ones_are_stored(
    li, scheduled
) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    good = a_day(visit)[0]
    bad = [
        {**record(visit, "note", 5, at(10)), "id": "not-a-uuid"},
        record(visit, "teleport", 6, at(10)),
        record(visit, "promise", 7, at(10, 40), amount="-5", due_on="2026-07-10"),
        record(visit, "promise", 8, at(10, 40), amount="100.00", due_on="2027-07-10"),
        record(visit, "evidence", 9, at(10, 40), type="photo", sha256="abc", bytes=10),
        record(visit, "evidence", 10, at(10, 40), type="audio", sha256=SHA, bytes=10),
        record(visit, "note", 11, at(10, 40), text=""),
        {**record(visit, "note", 12, at(10, 40), text="x"), "captured_at": "2026-07-01T10:00"},
        record(visit, "check_in", 13, at(10, 41), lat="91", lon="120"),
    ]
    results = sync(li, [good, *bad])["results"]
    assert results[0]["status"] == "stored"
    assert [(r["status"], r["error"]["code"], *r["error"]["fields"]) for r in results[1:]] == [
        ("rejected", "invalid_id", "id"),
        ("rejected", "invalid_choice", "kind"),
        ("rejected", "out_of_range", "data.amount"),
        ("rejected", "out_of_range", "data.due_on"),
        ("rejected", "invalid_hash", "data.sha256"),
        ("rejected", "debtor_not_informed", "data.debtor_informed"),
        ("rejected", "required", "data.text"),
        ("rejected", "naive_time", "captured_at"),
        ("rejected", "out_of_range", "data.lat"),
    ]
    assert FieldRecord.objects.count() == 1


def test_a_check_in_far_from_the_address_without_a_reason_is_kept_on_the_phone(
    li, scheduled
) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    far = record(visit, "check_in", 1, at(10), lat="30.300000", lon="120.130000")
    answer = sync(li, [far])["results"][0]
    assert (answer["status"], answer["error"]["code"]) == ("rejected", "far_reason_required")
    assert "far_reason" in answer["error"]["fields"]
    far["data"]["far_reason"] = "小区门禁"
    assert sync(li, [far])["results"][0]["status"] == "stored"


def test_a_check_in_outside_the_envelope_is_kept_and_flagged_with_the_rule(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    late = record(visit, "check_in", 1, at(18, 30), lat="30.277100", lon="120.130100")
    answer = sync(li, [late])["results"][0]
    assert answer["status"] == "flagged"
    assert "CN-VISIT-01" in answer["flags"]
    assert "CN-VISIT-01" in answer["message"]
    stored = FieldRecord.objects.get()
    assert (stored.state, "CN-VISIT-01" in stored.flags) == ("flagged", True)
    visit.refresh_from_db()
    assert visit.status == "checked_in"
    assert "CN-VISIT-01" in visit.flagged_rules


def test_a_record_for_a_case_closed_meanwhile_is_kept_flagged_and_the_agent_told(
    li, world, scheduled
) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    case_transition(
        case=world.zhang_case,
        target="closed_settled",
        actor=world.user("manager_wang"),
        reason="一次性结清",
    )
    results = sync(li, a_day(visit)[:2])["results"]
    assert [r["status"] for r in results] == ["flagged", "flagged"]
    assert all("CASE-CLOSED" in r["flags"] for r in results)
    assert "closed while you were offline" in results[0]["message"]
    assert FieldRecord.objects.filter(state="flagged").count() == 2


def test_a_reused_id_for_a_different_record_is_refused(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    first = a_day(visit)[0]
    sync(li, [first])
    impostor = {**record(visit, "note", 9, at(11), text="另一条"), "id": first["id"]}
    answer = sync(li, [impostor])["results"][0]
    assert (answer["status"], answer["error"]["code"]) == ("rejected", "id_reused")
    assert FieldRecord.objects.count() == 1


def test_an_agent_outside_the_team_cannot_sync_into_the_visit(client, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    client.force_login(world.user("agent_sun"))
    answer = sync(client, a_day(visit)[:1])["results"][0]
    assert (answer["status"], answer["error"]["code"]) == ("rejected", "visit_not_found")
    assert not FieldRecord.objects.exists()


def test_the_same_record_twice_in_one_batch_is_stored_once(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    note = record(visit, "note", 1, at(9), text="到达小区")
    results = sync(li, [note, note])["results"]
    assert [r["status"] for r in results] == ["stored", "duplicate"]
    assert FieldRecord.objects.count() == 1


def test_a_safety_alert_is_kept_whatever_the_visit_state(li, world, scheduled) -> None:  # type: ignore[no-untyped-def]
    from doorstep.visits.services import visit_transition

    visit = scheduled()
    visit_transition(
        visit=visit, target="cancelled", actor=world.user("manager_wang"), reason="改期"
    )
    answer = sync(li, [record(visit, "safety", 1, at(10), lat="30.277", lon="120.13")])["results"][
        0
    ]
    assert answer["status"] == "stored"
    assert FieldRecord.objects.get().kind == "safety"


def test_a_batch_that_is_not_a_list_of_records_answers_422(li) -> None:  # type: ignore[no-untyped-def]
    response = li.post("/api/v1/field/sync", {"records": "x"}, content_type="application/json")
    assert response.status_code == 422
    assert "records" in response.json()["error"]["fields"]


def test_the_day_carries_each_visit_with_its_envelope_and_briefing(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    body = li.get("/api/v1/field/day?day=2026-07-01").json()
    assert [v["id"] for v in body["visits"]] == [visit.pk]
    item = body["visits"][0]
    assert item["envelope"]["window"] == ["10:00", "12:00"]
    assert item["debtor"] == "张*"
    assert [step["code"] for step in item["briefing"]["outline"]] == [
        "introduce",
        "purpose",
        "listen",
        "empathise",
        "propose",
        "agree",
        "thank",
    ]
    assert item["briefing"]["owed"]["past_due"] == "2000.00"
    assert "330106" not in str(body)


def test_a_promise_at_the_door_goes_on_the_case_through_the_plans_app(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    sync(li, a_day(visit))
    promise = Promise.objects.get(case=visit.case)
    assert (promise.amount, promise.due_on.isoformat(), promise.channel) == (
        Decimal("1000.00"),
        "2026-07-10",
        "visit",
    )
    assert Case.objects.get(pk=visit.case_id).status == "promised"
    stored = FieldRecord.objects.get(visit=visit, kind="promise")
    assert stored.payload["promise"] == promise.pk


def test_a_promise_the_plans_app_refuses_is_kept_and_flagged_with_why(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    too_late = record(visit, "promise", 3, at(10, 31), amount="1000.00", due_on="2026-08-20")
    records = [*a_day(visit)[:2], too_late]
    body = sync(li, records)
    answer = body["results"][2]
    assert (answer["status"], answer["flags"]) == ("flagged", ["PROMISE-NOT-TAKEN"])
    stored = FieldRecord.objects.get(visit=visit, kind="promise")
    assert stored.payload["due_on"] == "2026-08-20"
    assert stored.payload["not_taken"]
    assert not Promise.objects.filter(case=visit.case).exists()


PHOTO = b"\xff\xd8\xff\xe0" + b"a photo of the door" * 50  # JPEG magic, then anything


def upload(client: Client, record_id: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    return client.post(
        f"/api/v1/field/records/{record_id}/file",
        {"file": SimpleUploadedFile("photo.jpg", data, content_type=content_type)},
    )


def test_the_photo_behind_an_evidence_record_is_kept_encrypted_once(li, scheduled, world) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    digest = hashlib.sha256(PHOTO).hexdigest()
    records = [*a_day(visit)[:3]]
    records.append(
        record(visit, "evidence", 4, at(10, 32), type="photo", sha256=digest, bytes=len(PHOTO))
    )
    sync(li, records)
    first = upload(li, records[3]["id"], PHOTO)
    assert first.status_code == 201, first.content
    assert first.json() == {"id": records[3]["id"], "sha256": digest, "bytes": len(PHOTO)}
    assert upload(li, records[3]["id"], PHOTO).status_code == 200  # again: nothing new
    assert EvidenceFile.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM visits_evidencefile")
        [stored] = cursor.fetchone()
    assert base64.b64encode(PHOTO).decode() not in stored  # ciphertext at rest
    assert entry_list(kind="visit.evidence_file").count() == 1

    li.force_login(world.user("manager_wang"))
    report = li.get(f"/field/visits/{visit.pk}/report/")
    link = f"/field/visits/{visit.pk}/evidence/{records[3]['id']}/"
    assert link in report.text
    shown = li.get(link)
    assert (shown.status_code, shown["Content-Type"], shown.content) == (200, "image/jpeg", PHOTO)
    li.force_login(world.user("manager_liu"))  # another branch
    assert li.get(link).status_code == 404


def test_a_file_that_is_not_the_one_recorded_is_refused_naming_it(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    records = a_day(visit)  # its photo record carries another hash
    sync(li, records)
    refused = upload(li, records[3]["id"], PHOTO)
    assert refused.status_code == 400
    assert "file" in refused.json()["error"]["fields"]
    assert upload(li, records[1]["id"], PHOTO).status_code == 400  # an outcome takes no file
    assert not EvidenceFile.objects.exists()


def test_a_recording_is_taken_as_audio(li, scheduled) -> None:  # type: ignore[no-untyped-def]
    visit = scheduled()
    audio = b"\x1aE\xdf\xa3" + b"webm" * 200
    evidence = record(
        visit,
        "evidence",
        4,
        at(10, 32),
        type="audio",
        sha256=hashlib.sha256(audio).hexdigest(),
        bytes=len(audio),
        debtor_informed=True,
    )
    sync(li, [*a_day(visit)[:3], evidence])
    answer = upload(li, evidence["id"], audio, content_type="audio/webm;codecs=opus")
    assert answer.status_code == 201, answer.content
    assert EvidenceFile.objects.get().content_type == "audio/webm"
