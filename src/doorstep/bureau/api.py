"""Credit-bureau files and settlement certificates over JSON (file bodies as text/csv,
certificates as application/pdf).

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema
from ninja.responses import Status

from doorstep.bureau import selectors, services
from doorstep.bureau.models import ReportFile
from doorstep.cases.api import MAX_ID
from doorstep.core.api_errors import ApiInput

router = Router(tags=["bureau"])

FileId = Annotated[int, Path(ge=1, le=MAX_ID)]


class FileOut(Schema):
    id: int
    month: str
    version: int
    as_of: date
    sha256: str
    data_rows: int
    correction_rows: int
    generated_at: datetime


class GenerateIn(ApiInput):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


@router.get("/bureau/files", response=list[FileOut])
def files_list(request: HttpRequest) -> list[ReportFile]:
    return list(selectors.files(user=request.user)[:120])


@router.post("/bureau/files", response={201: FileOut})
def files_generate(request: HttpRequest, payload: GenerateIn) -> Status[ReportFile]:
    """Generate and record the month's file (with every correction not yet sent)."""
    selectors.require(request.user, selectors.FILE_ROLES)
    return Status(201, services.report_generate(month=payload.month, actor=request.user))


@router.get("/bureau/files/{file_id}/content")
def files_content(request: HttpRequest, file_id: FileId) -> HttpResponse:
    """The file as sent (UTF-8 CSV, layout DSB1, docs/bureau.md)."""
    report = selectors.file_get(user=request.user, pk=file_id)
    services.report_downloaded(
        report=report,
        actor=request.user,
        channel="api",
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(report.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response


@router.get("/certificates/{certificate_id}")
def certificates_pdf(request: HttpRequest, certificate_id: FileId) -> HttpResponse:
    """A settlement certificate's PDF, for whoever may see its case."""
    certificate = selectors.certificate_get(user=request.user, pk=certificate_id)
    response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response
