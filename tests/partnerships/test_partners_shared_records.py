"""Records two organizations share (an agreement they are both party to, an initiative both take
part in) name the people who changed them without giving a partner the e-mail address of
another organization's user: office staff see the address, everyone else does not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from equityhub.accounts.models import User
from equityhub.partnerships import services_agreements
from equityhub.partnerships.models import (
    Agreement,
    AgreementParty,
    Initiative,
    InitiativePartner,
    Metric,
    MetricValue,
)
from equityhub.people.models import Organization

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% signed\n%%EOF\n"
ClientFor = Callable[[User], Client]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shared_agreement(
    partner_org: Organization, other_org: Organization, other_partner: User
) -> Agreement:
    """Recorded by the other organization's partner user, who also uploaded its document."""
    agreement = Agreement.objects.create(title="Shared screening MOU", created_by=other_partner)
    AgreementParty.objects.create(agreement=agreement, organization=partner_org)
    AgreementParty.objects.create(agreement=agreement, organization=other_org)
    services_agreements.upload_document(
        agreement=agreement,
        actor=other_partner,
        file=SimpleUploadedFile("signed.pdf", PDF),
        title="Signed copy",
    )
    return agreement


def test_a_partner_does_not_see_the_other_organizations_users_address_on_a_shared_agreement(
    client_for: ClientFor, partner: User, other_partner: User, shared_agreement: Agreement
) -> None:
    response = client_for(partner).get(
        reverse("partnerships:agreement_detail", args=[shared_agreement.pk])
    )

    assert response.status_code == 200
    assert "Signed copy" in response.text
    assert "Recorded by" in response.text
    assert other_partner.email not in response.text
    # Named by their name in the registry instead (recorded by and uploaded by).
    assert response.text.count(escape(other_partner.person.display_name)) >= 2


def test_staff_see_who_recorded_and_uploaded_by_their_address(
    client_for: ClientFor, coordinator: User, other_partner: User, shared_agreement: Agreement
) -> None:
    response = client_for(coordinator).get(
        reverse("partnerships:agreement_detail", args=[shared_agreement.pk])
    )

    assert response.status_code == 200
    assert response.text.count(other_partner.email) == 2  # recorded by, uploaded by


def test_a_partner_does_not_see_who_reported_a_shared_metric_by_their_address(
    client_for: ClientFor,
    partner: User,
    other_partner: User,
    partner_initiative: Initiative,
    other_org: Organization,
) -> None:
    InitiativePartner.objects.create(initiative=partner_initiative, organization=other_org)
    metric = Metric.objects.create(
        initiative=partner_initiative, name="Screening events", kind="events"
    )
    MetricValue.objects.create(
        metric=metric,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        value=4,
        reported_by=other_partner,
    )

    response = client_for(partner).get(reverse("partnerships:metric_report", args=[metric.pk]))

    assert response.status_code == 200
    assert "Jan 1, 2024" in response.text
    assert other_partner.email not in response.text
    assert escape(other_partner.person.display_name) in response.text
