"""The hours and credential review queues, their actions, and credential evidence downloads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.places.models import Site
from equityhub.volunteering.models import Credential, HoursEntry
from tests.factories import PersonFactory
from tests.volunteering.factories import CredentialFactory, HoursEntryFactory, credential_type

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"

ClientFor = Callable[[User], Client]


@pytest.fixture
def entries(site: Site, other_site: Site) -> dict[str, HoursEntry]:
    """One submitted entry at each site and one for service elsewhere."""
    return {
        "here": HoursEntryFactory(site=site, activity="Intake at the free clinic"),
        "there": HoursEntryFactory(site=other_site, activity="Triage at Northside"),
        "elsewhere": HoursEntryFactory(
            site=None, organization_name="Food pantry on Natural Bridge", activity="Food sorting"
        ),
    }


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _htmx(client: Client, url: str, data: dict[str, str] | None = None) -> Any:
    return client.post(url, data or {}, headers={"HX-Request": "true"})


# -- the hours queue -------------------------------------------------------------------------


def test_a_supervisor_sees_only_their_sites_hours_in_the_queue(
    client_for: ClientFor, supervisor: User, entries: dict[str, HoursEntry]
) -> None:
    response = client_for(supervisor).get(reverse("volunteering:review-hours"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Intake at the free clinic" in content
    assert "Triage at Northside" not in content
    assert "Food sorting" not in content


def test_office_staff_see_every_site_and_service_elsewhere_in_the_queue(
    client_for: ClientFor, coordinator: User, entries: dict[str, HoursEntry]
) -> None:
    response = client_for(coordinator).get(reverse("volunteering:review-hours"))

    content = response.content.decode()
    assert response.status_code == 200
    for activity in ("Intake at the free clinic", "Triage at Northside", "Food sorting"):
        assert activity in content
    assert "Food pantry on Natural Bridge" in content
    assert "Self-reported" in content


def test_the_queue_leaves_out_reviewed_entries(
    client_for: ClientFor, coordinator: User, site: Site
) -> None:
    HoursEntryFactory(site=site, activity="Already verified", status=HoursEntry.Status.VERIFIED)
    HoursEntryFactory(site=site, activity="Still waiting")

    content = client_for(coordinator).get(reverse("volunteering:review-hours")).content.decode()

    assert "Still waiting" in content
    assert "Already verified" not in content


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_people_who_do_not_supervise_get_403_on_the_queues(
    request: pytest.FixtureRequest, client_for: ClientFor, who: str, entries: Any
) -> None:
    client = client_for(request.getfixturevalue(who))

    hours = client.get(reverse("volunteering:review-hours"))
    credentials = client.get(reverse("volunteering:review-credentials"))

    assert hours.status_code == 403
    assert credentials.status_code == 403
    assert b"Intake at the free clinic" not in hours.content


def test_the_queue_needs_a_signed_in_user(entries: Any) -> None:
    response = Client().get(reverse("volunteering:review-hours"))

    assert response.status_code == 302
    assert "login" in response["Location"]


# -- verifying and rejecting hours -----------------------------------------------------------


def test_a_supervisor_verifies_hours_and_comes_back_to_the_queue(
    client_for: ClientFor, supervisor: User, entries: dict[str, HoursEntry]
) -> None:
    entry = entries["here"]
    client = client_for(supervisor)

    response = client.post(reverse("volunteering:verify-hours", args=[entry.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteering:review-hours")
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.VERIFIED
    assert entry.reviewed_by == supervisor
    page = client.get(response["Location"]).content.decode()
    assert "Verified 4.00 hours of" in page
    assert "Intake at the free clinic" not in page


def test_verifying_with_htmx_swaps_the_row_and_announces_it(
    client_for: ClientFor, supervisor: User, entries: dict[str, HoursEntry]
) -> None:
    entry = entries["here"]

    response = _htmx(client_for(supervisor), reverse("volunteering:verify-hours", args=[entry.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert content.startswith(f'<tr id="hours-{entry.pk}"')
    assert 'id="review-status" hx-swap-oob="innerHTML"' in content
    assert "Verified 4.00 hours of" in content
    assert "<form" not in content  # the confirmation row has no actions left
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.VERIFIED


def test_rejecting_hours_needs_a_reason_and_changes_nothing_without_one(
    client_for: ClientFor, supervisor: User, entries: dict[str, HoursEntry]
) -> None:
    entry = entries["here"]

    response = client_for(supervisor).post(
        reverse("volunteering:reject-hours", args=[entry.pk]),
        {f"reject-hours-{entry.pk}-reason": "   "},
    )

    assert response.status_code == 422
    content = response.content.decode()
    assert "This field is required." in content
    assert '<details class="mt-2" open>' in content  # the row's reject form stays open
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.SUBMITTED
    assert entry.rejection_reason == ""
    assert not AuditEntry.objects.filter(action="volunteering.hours.rejected").exists()


def test_rejecting_hours_with_htmx_and_no_reason_shows_the_error_in_the_row(
    client_for: ClientFor, supervisor: User, entries: dict[str, HoursEntry]
) -> None:
    entry = entries["here"]

    response = _htmx(client_for(supervisor), reverse("volunteering:reject-hours", args=[entry.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "This field is required." in content
    assert "Intake at the free clinic" in content  # the row itself, still actionable
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.SUBMITTED


def test_rejecting_hours_with_a_reason_tells_the_volunteer(
    client_for: ClientFor,
    supervisor: User,
    entries: dict[str, HoursEntry],
    django_capture_on_commit_callbacks: Any,
) -> None:
    entry = entries["here"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(
            reverse("volunteering:reject-hours", args=[entry.pk]),
            {f"reject-hours-{entry.pk}-reason": "You left at noon, not 4 pm."},
        )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.REJECTED
    assert entry.rejection_reason == "You left at noon, not 4 pm."
    assert [m.to for m in mail.outbox] == [[entry.person.email]]
    assert "You left at noon" in mail.outbox[0].body


def test_a_supervisor_cannot_verify_their_own_hours(
    client_for: ClientFor, supervisor: User, site: Site
) -> None:
    own = HoursEntryFactory(person=supervisor.person, site=site, activity="My own shift")
    client = client_for(supervisor)

    response = client.post(reverse("volunteering:verify-hours", args=[own.pk]), follow=True)

    assert response.status_code == 200
    assert "No one verifies their own hours." in response.content.decode()
    own.refresh_from_db()
    assert own.status == HoursEntry.Status.SUBMITTED
    assert own.reviewed_by is None


def test_a_supervisor_with_htmx_sees_why_they_cannot_verify_their_own_hours(
    client_for: ClientFor, supervisor: User, site: Site
) -> None:
    own = HoursEntryFactory(person=supervisor.person, site=site, activity="My own shift")

    response = _htmx(client_for(supervisor), reverse("volunteering:verify-hours", args=[own.pk]))

    content = response.content.decode()
    assert "No one verifies their own hours." in content
    assert "alert-danger" in content
    own.refresh_from_db()
    assert own.status == HoursEntry.Status.SUBMITTED


@pytest.mark.parametrize("who", ["outsider", "member", "other_supervisor"])
@pytest.mark.parametrize("action", ["verify-hours", "reject-hours"])
def test_people_who_do_not_review_the_entry_get_404_on_its_actions(
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    entries: dict[str, HoursEntry],
    who: str,
    action: str,
) -> None:
    entry = entries["here"]

    response = client_for(request.getfixturevalue(who)).post(
        reverse(f"volunteering:{action}", args=[entry.pk]),
        {f"reject-hours-{entry.pk}-reason": "No."},
    )

    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.SUBMITTED


def test_a_supervisor_gets_404_for_service_elsewhere(
    client_for: ClientFor, supervisor: User, entries: dict[str, HoursEntry]
) -> None:
    response = client_for(supervisor).post(
        reverse("volunteering:verify-hours", args=[entries["elsewhere"].pk])
    )

    assert response.status_code == 404


def test_ids_out_of_range_are_404(client_for: ClientFor, coordinator: User) -> None:
    response = client_for(coordinator).post(reverse("volunteering:verify-hours", args=[2**63]))

    assert response.status_code == 404


def test_the_queue_actions_accept_only_post(
    client_for: ClientFor, coordinator: User, entries: dict[str, HoursEntry]
) -> None:
    entry = entries["here"]

    response = client_for(coordinator).get(reverse("volunteering:verify-hours", args=[entry.pk]))

    assert response.status_code == 405
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.SUBMITTED


# -- credentials -----------------------------------------------------------------------------


def _credential(person: Any, *, site: Site | None = None, evidence: bool = True) -> Credential:
    fields: dict[str, Any] = {"person": person, "status": Credential.Status.SUBMITTED}
    if site is not None:
        fields.update(site=site, credential_type=credential_type("site-orientation"))
    if evidence:
        fields["evidence"] = SimpleUploadedFile("tb-result.pdf", PDF)
    credential: Credential = CredentialFactory(**fields)
    return credential


def test_office_staff_see_submitted_credentials_and_supervisors_their_sites_orientations(
    client_for: ClientFor,
    coordinator: User,
    supervisor: User,
    site: Site,
    other_site: Site,
) -> None:
    anna = PersonFactory(given_name="Anna", family_name="Kowalski")
    omar = PersonFactory(given_name="Omar", family_name="Haddad")
    lena = PersonFactory(given_name="Lena", family_name="Brandt")
    _credential(anna)  # a HIPAA training, for office staff
    _credential(omar, site=site)
    _credential(lena, site=other_site)

    staff_page = client_for(coordinator).get(reverse("volunteering:review-credentials"))
    supervisor_page = client_for(supervisor).get(reverse("volunteering:review-credentials"))

    staff = staff_page.content.decode()
    assert all(name in staff for name in ("Anna Kowalski", "Omar Haddad", "Lena Brandt"))
    assert supervisor_page.status_code == 200
    mine = supervisor_page.content.decode()
    assert "Omar Haddad" in mine
    assert "Anna Kowalski" not in mine
    assert "Lena Brandt" not in mine


def test_office_staff_verify_a_credential(
    client_for: ClientFor, coordinator: User, member: User
) -> None:
    credential = _credential(member.person)

    response = client_for(coordinator).post(
        reverse("volunteering:verify-credential", args=[credential.pk])
    )

    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.status == Credential.Status.VERIFIED
    assert credential.verified_by == coordinator


def test_verifying_a_credential_with_htmx_swaps_the_row(
    client_for: ClientFor, coordinator: User, member: User
) -> None:
    credential = _credential(member.person)

    response = _htmx(
        client_for(coordinator), reverse("volunteering:verify-credential", args=[credential.pk])
    )

    content = response.content.decode()
    assert content.startswith(f'<tr id="credential-{credential.pk}"')
    assert "hx-swap-oob" in content
    credential.refresh_from_db()
    assert credential.status == Credential.Status.VERIFIED


def test_rejecting_a_credential_needs_a_reason(
    client_for: ClientFor, coordinator: User, member: User
) -> None:
    credential = _credential(member.person)
    url = reverse("volunteering:reject-credential", args=[credential.pk])
    client = client_for(coordinator)

    empty = client.post(url, {f"reject-credential-{credential.pk}-reason": ""})
    credential.refresh_from_db()
    status_after_empty = credential.status
    given = client.post(url, {f"reject-credential-{credential.pk}-reason": "Result is illegible."})

    assert empty.status_code == 422
    assert "This field is required." in empty.content.decode()
    assert status_after_empty == Credential.Status.SUBMITTED
    assert given.status_code == 302
    credential.refresh_from_db()
    assert credential.status == Credential.Status.REJECTED
    assert credential.rejection_reason == "Result is illegible."


def test_no_one_verifies_their_own_credential(client_for: ClientFor, coordinator: User) -> None:
    credential = _credential(coordinator.person)

    response = client_for(coordinator).post(
        reverse("volunteering:verify-credential", args=[credential.pk]), follow=True
    )

    assert "No one verifies their own credentials." in response.content.decode()
    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED


@pytest.mark.parametrize("who", ["outsider", "member", "other_supervisor", "supervisor"])
def test_people_who_may_not_see_a_credential_get_404_on_its_actions(
    request: pytest.FixtureRequest, client_for: ClientFor, who: str
) -> None:
    credential = _credential(PersonFactory())  # not per-site: office staff only
    client = client_for(request.getfixturevalue(who))

    verify = client.post(reverse("volunteering:verify-credential", args=[credential.pk]))
    reject = client.post(
        reverse("volunteering:reject-credential", args=[credential.pk]),
        {f"reject-credential-{credential.pk}-reason": "No."},
    )

    assert (verify.status_code, reject.status_code) == (404, 404)
    credential.refresh_from_db()
    assert credential.status == Credential.Status.SUBMITTED


# -- evidence --------------------------------------------------------------------------------


def _evidence_url(credential: Credential) -> str:
    return reverse("volunteering:credential-evidence", args=[credential.pk])


@pytest.mark.parametrize("who", ["member", "coordinator"])
def test_the_owner_and_office_staff_download_the_evidence_and_it_is_logged(
    request: pytest.FixtureRequest, client_for: ClientFor, member: User, who: str
) -> None:
    credential = _credential(member.person)
    viewer = request.getfixturevalue(who)

    response = client_for(viewer).get(_evidence_url(credential))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    logged = AuditEntry.objects.get(action="volunteering.credential.evidence_viewed")
    assert logged.kind == AuditEntry.Kind.ACCESS
    assert logged.actor_id == viewer.pk
    assert logged.object_id == str(credential.pk)


def test_a_supervisor_downloads_evidence_of_their_sites_orientation(
    client_for: ClientFor, supervisor: User, other_supervisor: User, site: Site
) -> None:
    credential = _credential(PersonFactory(), site=site)

    mine = client_for(supervisor).get(_evidence_url(credential))
    theirs = client_for(other_supervisor).get(_evidence_url(credential))

    assert mine.status_code == 200
    assert theirs.status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_member"])
def test_anyone_else_gets_404_for_evidence_and_nothing_is_logged(
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    make_user: Callable[..., User],
    member: User,
    who: str,
) -> None:
    credential = _credential(member.person)
    viewer = make_user(Role.MEMBER) if who == "other_member" else request.getfixturevalue(who)

    response = client_for(viewer).get(_evidence_url(credential))

    assert response.status_code == 404
    assert PDF not in response.content
    assert not AuditEntry.objects.filter(action="volunteering.credential.evidence_viewed").exists()


def test_a_credential_without_evidence_is_404(client_for: ClientFor, member: User) -> None:
    credential = _credential(member.person, evidence=False)

    response = client_for(member).get(_evidence_url(credential))

    assert response.status_code == 404
