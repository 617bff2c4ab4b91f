"""Service transcripts: issuing, the PDF, the public verification page and revoking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.places.models import Site
from equityhub.volunteering import pdf, services
from equityhub.volunteering.models import HoursEntry, Transcript
from tests.volunteering.factories import HoursEntryFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.MEMBER,
        given_name="Noor",
        family_name="Haddad-Brightwater",
        email="noor.private@example.org",
    )


@pytest.fixture
def hours(student: User, site: Site) -> list[HoursEntry]:
    """Two verified entries and one still waiting for verification."""
    elsewhere = SiteFactory(name="Refugee Health Night at Bosnian Community Hall")
    return [
        HoursEntryFactory(
            person=student.person,
            site=site,
            activity="Blood pressure screening",
            date=dt.date(2025, 9, 6),
            hours=Decimal("4.00"),
            status=HoursEntry.Status.VERIFIED,
        ),
        HoursEntryFactory(
            person=student.person,
            site=elsewhere,
            activity="Arabic interpreting at intake",
            date=dt.date(2025, 10, 2),
            hours=Decimal("2.50"),
            status=HoursEntry.Status.VERIFIED,
        ),
        HoursEntryFactory(
            person=student.person,
            site=site,
            activity="Pharmacy runner",
            date=dt.date(2025, 10, 9),
            hours=Decimal("5.00"),
            status=HoursEntry.Status.SUBMITTED,
        ),
    ]


def _issue(client: Client) -> Transcript:
    response = client.post(reverse("volunteering:issue-transcript"))
    assert response.status_code == 302
    return Transcript.objects.latest("issued_at")


def _verify_url(transcript: Transcript) -> str:
    return reverse("volunteering:verify-transcript", args=[transcript.code])


# -- issuing ---------------------------------------------------------------------------------


def test_a_transcript_holds_only_verified_hours(
    student: User, hours: list[HoursEntry], client_for: Callable[[User], Client]
) -> None:
    transcript = _issue(client_for(student))

    assert transcript.person == student.person
    assert transcript.total_hours == Decimal("6.50")
    assert transcript.entry_count == 2
    assert [row["activity"] for row in transcript.entries] == [
        "Blood pressure screening",
        "Arabic interpreting at intake",
    ]
    assert "Pharmacy runner" not in str(transcript.entries)
    assert (transcript.period_start, transcript.period_end) == (
        dt.date(2025, 9, 6),
        dt.date(2025, 10, 2),
    )


def test_with_no_verified_hours_there_is_no_transcript_and_a_message_says_why(
    student: User, site: Site, client_for: Callable[[User], Client]
) -> None:
    HoursEntryFactory(person=student.person, site=site, status=HoursEntry.Status.SUBMITTED)
    client = client_for(student)

    response = client.post(reverse("volunteering:issue-transcript"), follow=True)

    assert not Transcript.objects.exists()
    assert "no verified hours" in response.content.decode()


def test_my_transcripts_lists_mine_only(
    student: User,
    member: User,
    hours: list[HoursEntry],
    client_for: Callable[[User], Client],
) -> None:
    transcript = _issue(client_for(student))

    mine = client_for(student).get(reverse("volunteering:my-transcripts"))
    theirs = client_for(member).get(reverse("volunteering:my-transcripts"))

    assert mine.status_code == 200
    assert pdf.formatted_code(transcript.code) in mine.content.decode()
    assert reverse("volunteering:transcript-pdf", args=[transcript.pk]) in mine.content.decode()
    assert theirs.status_code == 200
    assert pdf.formatted_code(transcript.code) not in theirs.content.decode()
    assert "You have not issued a transcript yet." in theirs.content.decode()


def test_a_user_with_no_person_gets_a_friendly_transcripts_page(
    make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    loner = make_user(None, person=False)
    client = client_for(loner)

    page = client.get(reverse("volunteering:my-transcripts"))
    issued = client.post(reverse("volunteering:issue-transcript"))

    assert page.status_code == 200
    assert "not linked to a volunteer record" in page.content.decode()
    assert issued.status_code == 302
    assert [str(m) for m in get_messages(issued.wsgi_request)]
    assert not Transcript.objects.exists()


# -- the PDF ---------------------------------------------------------------------------------


def test_the_owner_downloads_the_pdf(
    student: User, hours: list[HoursEntry], client_for: Callable[[User], Client]
) -> None:
    client = client_for(student)
    transcript = _issue(client)

    response = client.get(reverse("volunteering:transcript-pdf", args=[transcript.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'attachment; filename="service-transcript-{transcript.code}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]


def test_another_member_gets_404_and_office_staff_get_the_pdf(
    *,
    student: User,
    member: User,
    coordinator: User,
    supervisor: User,
    hours: list[HoursEntry],
    client_for: Callable[[User], Client],
) -> None:
    transcript = _issue(client_for(student))
    url = reverse("volunteering:transcript-pdf", args=[transcript.pk])

    assert client_for(member).get(url).status_code == 404
    assert client_for(supervisor).get(url).status_code == 404
    staff = client_for(coordinator).get(url)
    assert staff.status_code == 200
    assert staff.content.startswith(b"%PDF")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_the_pdf_prints_the_office_the_rows_and_the_verification_url_and_code(
    student: User, hours: list[HoursEntry]
) -> None:
    transcript = services.issue_transcript(person=student.person, actor=student)
    url = "https://hub.example.org" + _verify_url(transcript)

    html = pdf.transcript_html(transcript, url)

    assert "Equity Hub" in html
    assert "Noor Haddad-Brightwater" in html
    assert "Blood pressure screening" in html
    assert "Refugee Health Night at Bosnian Community Hall" in html
    assert "Pharmacy runner" not in html
    assert "6.50" in html
    assert url in html
    assert pdf.formatted_code(transcript.code) in html
    assert pdf.render_transcript(transcript, url).startswith(b"%PDF")


def test_the_transcript_stays_as_issued_after_the_hours_change(
    student: User, hours: list[HoursEntry], client_for: Callable[[User], Client]
) -> None:
    client = client_for(student)
    transcript = _issue(client)
    HoursEntry.objects.filter(pk=hours[0].pk).update(hours=Decimal("9.00"), activity="Edited later")
    HoursEntry.objects.filter(pk=hours[2].pk).update(status=HoursEntry.Status.VERIFIED)
    transcript.refresh_from_db()

    html = pdf.transcript_html(transcript, "https://hub.example.org/verify")
    page = Client().get(_verify_url(transcript)).content.decode()

    assert "Blood pressure screening" in html
    assert "Edited later" not in html
    assert "Pharmacy runner" not in html
    assert "6.50" in html
    assert "6.50" in page
    assert "16.50" not in page
    assert transcript.total_hours == Decimal("6.50")


# -- the public verification page ------------------------------------------------------------


def test_the_verification_page_says_genuine_with_the_summary_only(
    student: User, hours: list[HoursEntry], client_for: Callable[[User], Client]
) -> None:
    transcript = _issue(client_for(student))

    response = Client().get(_verify_url(transcript))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Genuine" in html
    assert "Noor Haddad-Brightwater" in html
    assert "6.50" in html
    assert "2025-09-06" in html and "2025-10-02" in html
    assert pdf.formatted_code(transcript.code) in html
    for private in (
        "noor.private@example.org",
        "Blood pressure screening",
        "Arabic interpreting",
        "Refugee Health Night",
        "Saturday Neighborhood Free Clinic",
        "Pharmacy runner",
    ):
        assert private not in html
    assert 'style="' not in html
    assert "Revoke this transcript" not in html


def test_the_code_may_be_typed_in_lower_case_with_dashes(
    student: User, hours: list[HoursEntry], client_for: Callable[[User], Client]
) -> None:
    transcript = _issue(client_for(student))
    typed = pdf.formatted_code(transcript.code).lower()

    form = Client().get(reverse("volunteering:verify-transcript-form"), {"code": typed})

    assert form.status_code == 302
    assert form["Location"] == _verify_url(transcript)
    assert Client().get(reverse("volunteering:verify-transcript", args=[typed])).status_code == 200


def test_an_unknown_code_is_404(db: object) -> None:
    for code in ("ABCDEFGHJKLMNPQR", "nope"):
        response = Client().get(reverse("volunteering:verify-transcript", args=[code]))
        assert response.status_code == 404
        assert "No transcript with this code" in response.content.decode()
        assert "Genuine" not in response.content.decode()


def test_the_verify_form_rejects_a_malformed_code(db: object) -> None:
    page = Client().get(reverse("volunteering:verify-transcript-form"))
    bad = Client().get(reverse("volunteering:verify-transcript-form"), {"code": "ABC"})

    assert page.status_code == 200
    assert 'for="id_code"' in page.content.decode()
    assert bad.status_code == 422
    assert "16 letters and digits" in bad.content.decode()


# -- revoking --------------------------------------------------------------------------------


def test_office_staff_revoke_and_the_page_then_says_revoked(
    student: User,
    coordinator: User,
    hours: list[HoursEntry],
    client_for: Callable[[User], Client],
) -> None:
    transcript = _issue(client_for(student))
    staff = client_for(coordinator)
    assert "Revoke this transcript" in staff.get(_verify_url(transcript)).content.decode()

    response = staff.post(reverse("volunteering:revoke-transcript", args=[transcript.pk]))

    assert response.status_code == 302
    transcript.refresh_from_db()
    assert transcript.revoked_at is not None
    page = Client().get(_verify_url(transcript))
    html = page.content.decode()
    assert "revoked on" in html
    assert transcript.revoked_at.strftime("%Y-%m-%d") in html
    assert "Genuine" not in html
    assert "Noor Haddad-Brightwater" not in html
    again = staff.post(reverse("volunteering:revoke-transcript", args=[transcript.pk]))
    assert again.status_code == 302
    assert "revoked already" in " ".join(str(m) for m in get_messages(again.wsgi_request))


def test_only_office_staff_may_revoke(
    student: User,
    member: User,
    hours: list[HoursEntry],
    client_for: Callable[[User], Client],
) -> None:
    transcript = _issue(client_for(student))
    url = reverse("volunteering:revoke-transcript", args=[transcript.pk])

    assert client_for(student).post(url).status_code == 403
    assert client_for(member).post(url).status_code == 404
    assert Client().post(url).status_code == 302  # to sign in
    assert client_for(student).get(url).status_code == 405
    transcript.refresh_from_db()
    assert transcript.revoked_at is None
