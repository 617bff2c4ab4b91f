"""Sites: created by office staff through the service, placed in their ZIP code area."""

from __future__ import annotations

import pytest

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.places.models import Area, Site
from equityhub.volunteering import services

pytestmark = pytest.mark.django_db


def test_office_staff_create_a_site_and_it_lands_in_its_zip_code_area(coordinator: User) -> None:
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Old North")

    site = services.create_site(
        actor=coordinator, name="Saturday Free Clinic", zip_code="63106", address="1 Main St"
    )

    assert site.area == area
    assert site.timezone == "America/Chicago"
    assert AuditEntry.objects.filter(action="volunteering.site.created", object_id=str(site.pk))


def test_a_member_cannot_create_a_site(member: User) -> None:
    with pytest.raises(NotAllowed):
        services.create_site(actor=member, name="Clinic", zip_code="63106")
    assert not Site.objects.exists()


def test_a_second_site_with_the_same_name_in_other_case_is_refused(coordinator: User) -> None:
    services.create_site(actor=coordinator, name="Grace Hill Clinic", zip_code="63107")
    with pytest.raises(Conflict):
        services.create_site(actor=coordinator, name="grace hill clinic", zip_code="63107")


def test_an_unknown_time_zone_names_the_field(coordinator: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.create_site(
            actor=coordinator, name="Clinic", zip_code="63106", timezone="Mars/Olympus"
        )
    assert caught.value.field == "timezone"
    assert not Site.objects.exists()


def test_a_bad_zip_code_names_the_field(coordinator: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.create_site(actor=coordinator, name="Clinic", zip_code="6310")
    assert caught.value.field == "zip_code"


def test_changing_the_zip_code_moves_the_site_to_that_area(coordinator: User) -> None:
    Area.objects.create(kind=Area.Kind.ZCTA, code="63106")
    north = Area.objects.create(kind=Area.Kind.ZCTA, code="63115")
    site = services.create_site(actor=coordinator, name="Clinic", zip_code="63106")

    services.update_site(site=site, actor=coordinator, zip_code="63115")

    site.refresh_from_db()
    assert site.area == north
    entry = AuditEntry.objects.get(action="volunteering.site.updated")
    assert entry.changes["zip_code"] == ["63106", "63115"]


def test_a_supervisor_edits_only_their_own_site(
    supervisor: User, site: Site, other_site: Site
) -> None:
    services.update_site(site=site, actor=supervisor, hours="Saturdays 8am-1pm")
    with pytest.raises(NotAllowed):
        services.update_site(site=other_site, actor=supervisor, hours="never")
    other_site.refresh_from_db()
    assert other_site.hours == ""
