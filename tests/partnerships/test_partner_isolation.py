"""A partner user cannot read or change another organization's consortium records on ANY page or
API route: every route that takes an id is walked (from the URL resolver and the OpenAPI
schema, so a route added later is covered without editing this test) with the ids of another
organization's records, by GET and by every writing method.

Each must answer 403/404 (405 where the method does not exist; 422 where the body is refused
before any record is read), never show the other organization's names, and change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.api.api import api
from equityhub.audit.models import AuditEntry
from equityhub.partnerships.models import (
    ActionItem,
    Agreement,
    AgreementDocument,
    AgreementParty,
    Contact,
    Initiative,
    InitiativePartner,
    Meeting,
    MeetingAttendance,
    Metric,
    MetricValue,
    NeedsPriority,
)
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory
from tests.partnerships.conftest import focus, population

SECRET = "Zanzibar"  # appears only in the other organization's records


@pytest.fixture
def theirs(
    other_org: Organization,
    other_initiative: Initiative,
    office_org: Organization,
    partner: User,
    areas: Any,
) -> dict[str, int]:
    """Records of `other_org` (and of the office with them), none involving `partner_org`."""
    third = OrganizationFactory(name=f"{SECRET} Third Partner")
    other_initiative.title = f"{SECRET} Produce Prescription"
    other_initiative.save()
    initiative_partner = InitiativePartner.objects.create(
        initiative=other_initiative, organization=third
    )
    metric = Metric.objects.create(
        initiative=other_initiative, name=f"{SECRET} households", kind="people_reached"
    )
    value = MetricValue.objects.create(
        metric=metric, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), value=42
    )
    contact = Contact.objects.create(
        organization=other_org, name=f"{SECRET} Contact", email="zanzibar@example.org"
    )
    agreement = Agreement.objects.create(
        title=f"{SECRET} data-use agreement",
        kind=Agreement.Kind.DATA_USE,
        status=Agreement.Status.ACTIVE,
        effective_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2027, 1, 1),
    )
    party = AgreementParty.objects.create(agreement=agreement, organization=other_org)
    AgreementParty.objects.create(agreement=agreement, organization=office_org)
    document = AgreementDocument.objects.create(
        agreement=agreement,
        title=f"{SECRET} signed copy",
        file=SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%%EOF\n"),
        storage_token="token",
        extension=".pdf",
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
    )
    meeting = Meeting.objects.create(title=f"{SECRET} steering meeting", starts_at=timezone.now())
    attendance = MeetingAttendance.objects.create(
        meeting=meeting, organization=other_org, name=f"{SECRET} Attendee"
    )
    item = ActionItem.objects.create(
        meeting=meeting,
        description=f"{SECRET} follow-up",
        owner_organization=other_org,
        owner_name=f"{SECRET} Owner",
        due_on=dt.date(2026, 12, 31),
    )
    return {
        "organization_id": other_org.pk,
        "initiative_id": other_initiative.pk,
        "partner_id": initiative_partner.pk,
        "metric_id": metric.pk,
        "value_id": value.pk,
        "contact_id": contact.pk,
        "agreement_id": agreement.pk,
        "party_id": party.pk,
        "document_id": document.pk,
        "meeting_id": meeting.pk,
        "attendance_id": attendance.pk,
        "item_id": item.pk,
        # The consortium's shared lists: staff keep them, a partner changes none (403).
        "focus_area_id": focus("food_access").pk,
        "population_id": population("latino").pk,
        "priority_id": NeedsPriority.objects.create(
            organization=other_org, year=2024, title=f"{SECRET} priority"
        ).pk,
    }


# Ids that are not consortium records of one organization: the atlas's areas are public data.
NOT_OWNED = {"area_id"}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def consortium_pages() -> list[tuple[str, list[str]]]:
    """(URL name, its int arguments) of every consortium and atlas page that takes an id."""
    pages = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.split(":")[0] not in {"partnerships", "atlas"}:
            continue
        arguments = list(pattern.pattern.regex.groupindex)
        if arguments:
            pages.append((name, arguments))
    return sorted(pages)


def consortium_api_routes() -> list[tuple[str, str, list[str]]]:
    """(method, path template, path parameters) of every consortium/atlas API route with ids."""
    schema = api.get_openapi_schema()
    routes = []
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/v1/consortium", "/api/v1/atlas")) or "{" not in path:
            continue
        for method, operation in operations.items():
            parameters = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            routes.append((method.upper(), path, parameters))
    return sorted(routes)


def _fill(arguments: list[str], ids: dict[str, int]) -> dict[str, int] | None:
    if any(argument in NOT_OWNED for argument in arguments):
        return None
    unknown = [argument for argument in arguments if argument not in ids]
    assert not unknown, f"add the record for {unknown} to the `theirs` fixture"
    return {argument: ids[argument] for argument in arguments}


def _state() -> tuple[int, ...]:
    return (
        AuditEntry.objects.filter(kind=AuditEntry.Kind.CHANGE).count(),
        Initiative.objects.filter(title__startswith=SECRET).count(),
        Metric.objects.filter(name__startswith=SECRET).count(),
        MetricValue.objects.filter(value=42).count(),
        Contact.objects.filter(name__startswith=SECRET, is_active=True).count(),
        Agreement.objects.filter(title__startswith=SECRET, status="active").count(),
        AgreementParty.objects.count(),
        AgreementDocument.objects.count(),
        ActionItem.objects.filter(status="open").count(),
        InitiativePartner.objects.count(),
    )


def test_the_walk_finds_the_consortium_routes() -> None:
    # Guards the walk itself: a broken walk would make the tests below pass vacuously.
    names = {name for name, _ in consortium_pages()}
    assert {"partnerships:partner_detail", "partnerships:initiative_detail"} <= names
    assert {"partnerships:agreement_detail", "partnerships:meeting_detail"} <= names
    paths = {path for _, path, _ in consortium_api_routes()}
    assert any("{initiative_id}" in path for path in paths)
    assert any("{agreement_id}" in path for path in paths)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_partner_reaches_no_page_of_another_organizations_records(
    method: str,
    partner: User,
    partner_membership: Any,
    theirs: dict[str, int],
    client_for: Callable[[User], Client],
) -> None:
    from django.urls import reverse  # noqa: PLC0415

    client = client_for(partner)
    before = _state()
    checked = 0
    for name, arguments in consortium_pages():
        kwargs = _fill(arguments, theirs)
        if kwargs is None:
            continue
        url = reverse(name, kwargs=kwargs)
        response = getattr(client, method)(url)
        assert response.status_code in {403, 404, 405}, (method, url, response.status_code)
        assert SECRET.encode() not in response.content, (method, url)
        checked += 1
    assert checked >= 10
    assert _state() == before


@pytest.mark.parametrize("with_body", [False, True])
def test_a_partner_reaches_no_api_route_of_another_organizations_records(
    with_body: bool,
    partner: User,
    partner_membership: Any,
    theirs: dict[str, int],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(partner)
    before = _state()
    checked = 0
    for method, template, parameters in consortium_api_routes():
        kwargs = _fill(parameters, theirs)
        if kwargs is None:
            continue
        path = template.format(**kwargs)
        body = json.dumps({"title": "x", "name": "x", "status": "done"} if with_body else {})
        response = client.generic(method, path, body, content_type="application/json")
        allowed = {403, 404} if method == "GET" else {403, 404, 405, 422}
        assert response.status_code in allowed, (method, path, response.status_code)
        assert SECRET.encode() not in response.content, (method, path)
        checked += 1
    assert checked >= 10
    assert _state() == before
