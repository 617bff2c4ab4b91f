"""The volunteer's own pages: finding shifts with reasons, signing up, offers, hours,
credentials and settings; and what a member, an outsider and a user without a person get."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.people.models import PersonLanguage
from equityhub.volunteering import services
from equityhub.volunteering.models import (
    Credential,
    HoursEntry,
    LanguageRequirement,
    Opportunity,
    Shift,
    SignUp,
    VolunteerSettings,
)
from tests.factories import PersonFactory
from tests.volunteering.factories import (
    CredentialFactory,
    HoursEntryFactory,
    OpportunityFactory,
    credential_type,
)

pytestmark = pytest.mark.django_db

HUGE_ID = 99999999999999999999
FIND = reverse("volunteering:find-shifts")
ME = reverse("volunteering:my-volunteering")
HOURS = reverse("volunteering:my-hours")
CREDENTIALS = reverse("volunteering:my-credentials")
SETTINGS = reverse("volunteering:my-settings")


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"volunteering:{name}", kwargs=kwargs)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def needs_tb_test(opportunity: Opportunity) -> Opportunity:
    opportunity.credential_types.add(credential_type("tb-test"))
    return opportunity


def needs_spanish(opportunity: Opportunity) -> Opportunity:
    LanguageRequirement.objects.create(
        opportunity=opportunity, language="es", min_proficiency="conversational"
    )
    return opportunity


# Finding shifts ------------------------------------------------------------------------------


def test_find_shifts_lists_upcoming_shifts_with_why_the_member_cannot_sign_up(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift], site: Any
) -> None:
    opportunity = needs_spanish(needs_tb_test(OpportunityFactory(site=site, title="Refugee night")))
    make_shift(opportunity=opportunity)
    expired_on = timezone.localdate() - dt.timedelta(days=20)
    CredentialFactory(
        person=member.person,
        credential_type=credential_type("tb-test"),
        issued_on=expired_on - dt.timedelta(days=365),
        expires_on=expired_on,
    )

    response = client_for(member).get(FIND)

    assert response.status_code == 200
    assert b"<html" in response.content
    assert "Refugee night" in response.text
    assert site.name in response.text
    assert f"TB test expired on {expired_on:%Y-%m-%d}" in response.text
    assert "needs Spanish, conversational" in response.text
    assert "You can sign up" not in response.text


def test_find_shifts_says_you_can_sign_up_and_shows_seats(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift]
) -> None:
    make_shift(capacity=4)

    response = client_for(member).get(FIND)

    assert "You can sign up" in response.text
    assert "4 of 4 open" in response.text


def test_a_full_shift_shows_its_waitlist_and_my_own_status(
    member: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
    supervisor: User,
) -> None:
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    services.sign_up(shift=shift, person=member.person, actor=member)

    response = client_for(member).get(FIND)

    assert "waitlist 1" in response.text
    assert "Waitlist: number 1" in response.text


def test_eligible_only_hides_the_shifts_the_member_cannot_sign_up_for(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift], site: Any
) -> None:
    make_shift(opportunity=needs_tb_test(OpportunityFactory(site=site, title="Needs a TB test")))
    make_shift(opportunity=OpportunityFactory(site=site, title="Open to anyone"), days=4)
    client = client_for(member)

    everything = client.get(FIND)
    eligible = client.get(FIND, {"eligible_only": "on"})

    assert "Needs a TB test" in everything.text and "Open to anyone" in everything.text
    assert "Open to anyone" in eligible.text
    assert "Needs a TB test" not in eligible.text


def test_the_site_and_date_filters_narrow_the_list(
    member: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
    other_site: Any,
) -> None:
    make_shift(days=3)
    make_shift(days=45)
    make_shift(opportunity=OpportunityFactory(site=other_site, title="Elsewhere"), days=5)
    client = client_for(member)

    default = client.get(FIND)
    later = client.get(FIND, {"start": (timezone.localdate() + dt.timedelta(days=40)).isoformat()})
    at_other = client.get(FIND, {"site": other_site.pk})

    assert len(default.context["rows"]) == 2  # today to +30 days
    assert all(
        row.shift.starts_at > timezone.now() + dt.timedelta(days=39)
        for row in later.context["rows"]
    )
    assert len(later.context["rows"]) == 1
    assert [row.shift.opportunity.title for row in at_other.context["rows"]] == ["Elsewhere"]


def test_find_shifts_reads_in_a_fixed_number_of_queries(
    member: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
    site: Any,
) -> None:
    client = client_for(member)

    def count_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(FIND)
        return len(captured)

    opportunity = needs_spanish(needs_tb_test(OpportunityFactory(site=site)))
    make_shift(opportunity=opportunity)
    few = count_for_page()
    for day in range(4, 20):
        make_shift(days=day, opportunity=OpportunityFactory(site=site))
    many = count_for_page()

    assert many == few


def test_an_htmx_request_gets_only_the_results(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift]
) -> None:
    make_shift()

    response = client_for(member).get(FIND, {"open_only": "on"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"<h1" not in response.content
    assert "data-result-summary" in response.text
    assert "1 shift found" in response.text


def test_the_find_page_has_the_htmx_form_and_a_live_status(
    member: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(member).get(FIND)

    assert 'hx-target="#shift-results"' in response.text
    assert 'hx-push-url="true"' in response.text
    assert 'aria-live="polite"' in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(FIND)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# Shift detail and signing up -----------------------------------------------------------------


def test_the_shift_page_explains_requirements_site_and_eligibility(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift], site: Any
) -> None:
    site.contact_phone = "314-555-0100"
    site.hours = "Saturdays 8-13"
    site.save()
    opportunity = needs_spanish(OpportunityFactory(site=site, title="Intake", min_age=18))
    shift = make_shift(opportunity=opportunity)

    response = client_for(member).get(url("shift-detail", shift_id=shift.pk))

    assert response.status_code == 200
    assert "Speaks Spanish, at least conversational" in response.text
    assert "At least 18 years old" in response.text
    assert "314-555-0100" in response.text and "Saturdays 8-13" in response.text
    assert "needs Spanish, conversational" in response.text
    assert url("sign-up", shift_id=shift.pk) not in response.text  # not eligible: no button


def test_signing_up_for_a_shift_with_seats_confirms(
    member: User, client_for: Callable[[User], Client], shift: Shift
) -> None:
    client = client_for(member)
    page = client.get(url("shift-detail", shift_id=shift.pk))
    assert url("sign-up", shift_id=shift.pk) in page.text

    response = client.post(url("sign-up", shift_id=shift.pk), follow=True)

    signup = SignUp.objects.get(shift=shift, person=member.person)
    assert signup.status == SignUp.Status.CONFIRMED
    assert any("You are signed up" in m for m in messages_of(response))
    assert "You are confirmed" in response.text


def test_signing_up_for_a_full_shift_waitlists_and_says_the_position(
    member: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
    supervisor: User,
) -> None:
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    response = client_for(member).post(url("sign-up", shift_id=shift.pk), follow=True)

    signup = SignUp.objects.get(shift=shift, person=member.person)
    assert (signup.status, signup.waitlist_position) == (SignUp.Status.WAITLISTED, 2)
    assert any("waitlist: number 2" in m for m in messages_of(response))


def test_an_ineligible_sign_up_shows_the_problems_and_creates_nothing(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift], site: Any
) -> None:
    shift = make_shift(opportunity=needs_tb_test(OpportunityFactory(site=site)))

    response = client_for(member).post(url("sign-up", shift_id=shift.pk), follow=True)

    assert response.status_code == 200
    assert not SignUp.objects.filter(shift=shift).exists()
    assert any("TB test is not on file" in m for m in messages_of(response))


def test_signing_up_twice_is_a_conflict_message_not_an_error(
    member: User, client_for: Callable[[User], Client], shift: Shift
) -> None:
    client = client_for(member)
    client.post(url("sign-up", shift_id=shift.pk))

    response = client.post(url("sign-up", shift_id=shift.pk), follow=True)

    assert response.status_code == 200
    assert SignUp.objects.filter(shift=shift, person=member.person).count() == 1
    assert any("already signed up" in m for m in messages_of(response))


def test_an_overlapping_sign_up_is_refused_with_the_reason(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift]
) -> None:
    first = make_shift(days=3)
    second = make_shift(start=first.starts_at + dt.timedelta(hours=1))
    client = client_for(member)
    client.post(url("sign-up", shift_id=first.pk))

    response = client.post(url("sign-up", shift_id=second.pk), follow=True)

    assert not SignUp.objects.filter(shift=second).exists()
    assert any("overlaps" in m for m in messages_of(response))


def test_sign_up_and_cancel_only_accept_post(
    member: User, client_for: Callable[[User], Client], shift: Shift
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    client = client_for(member)
    assert client.get(url("sign-up", shift_id=shift.pk)).status_code == 405
    assert client.get(url("cancel-signup", signup_id=signup.pk)).status_code == 405


# Cancelling and offers -----------------------------------------------------------------------


def test_a_member_cancels_their_own_sign_up(
    member: User, client_for: Callable[[User], Client], shift: Shift
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    client = client_for(member)
    page = client.get(url("shift-detail", shift_id=shift.pk))
    assert url("cancel-signup", signup_id=signup.pk) in page.text
    assert "late cancellation" not in page.text

    response = client.post(
        url("cancel-signup", signup_id=signup.pk), {"reason": "exam moved"}, follow=True
    )

    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CANCELLED
    assert not signup.late_cancellation
    assert any("cancelled" in m for m in messages_of(response))


def test_cancelling_within_a_day_warns_first_and_is_recorded_as_late(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift]
) -> None:
    shift = make_shift(days=0.5)
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    client = client_for(member)

    page = client.get(url("shift-detail", shift_id=shift.pk))
    assert "late cancellation" in page.text
    assert 'id="late-warning"' in page.text

    response = client.post(url("cancel-signup", signup_id=signup.pk), follow=True)

    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CANCELLED and signup.late_cancellation
    assert any("late cancellation" in m for m in messages_of(response))


def test_another_member_cannot_cancel_someone_elses_sign_up(
    member: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    shift: Shift,
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    someone = make_user(Role.MEMBER)

    response = client_for(someone).post(url("cancel-signup", signup_id=signup.pk))

    assert response.status_code == 404
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CONFIRMED


@pytest.mark.parametrize("action", ["cancel-signup", "accept-offer", "decline-offer"])
def test_an_outsider_gets_404_on_someone_elses_sign_up(
    action: str,
    member: User,
    outsider: User,
    client_for: Callable[[User], Client],
    shift: Shift,
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    response = client_for(outsider).post(url(action, signup_id=signup.pk))

    assert response.status_code == 404
    assert member.person.display_name not in response.text
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CONFIRMED


def test_the_sites_supervisor_cannot_use_the_volunteer_cancel_for_someone_else(
    member: User, supervisor: User, client_for: Callable[[User], Client], shift: Shift
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    response = client_for(supervisor).post(url("cancel-signup", signup_id=signup.pk))

    assert response.status_code == 404
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CONFIRMED


def _offer_to(member: User, shift: Shift, supervisor: User) -> SignUp:
    """Fill the one seat, waitlist `member`, then free the seat: `member` is offered it."""
    first = services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    waiting = services.sign_up(shift=shift, person=member.person, actor=member)
    services.cancel_signup(signup=first, actor=supervisor)
    waiting.refresh_from_db()
    assert waiting.status == SignUp.Status.OFFERED
    return waiting


def test_an_offer_is_shown_first_on_the_dashboard_and_accepting_confirms(
    member: User,
    supervisor: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
) -> None:
    shift = make_shift(capacity=1)
    offer = _offer_to(member, shift, supervisor)
    client = client_for(member)

    dashboard = client.get(ME)
    assert "Seats offered to you" in dashboard.text
    assert "Accept by" in dashboard.text
    assert url("accept-offer", signup_id=offer.pk) in dashboard.text

    response = client.post(url("accept-offer", signup_id=offer.pk), {"next": ME}, follow=True)

    offer.refresh_from_db()
    assert offer.status == SignUp.Status.CONFIRMED
    assert response.redirect_chain[-1][0] == ME
    assert any("The seat is yours" in m for m in messages_of(response))


def test_declining_an_offer_passes_the_seat_on(
    member: User,
    supervisor: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
) -> None:
    shift = make_shift(capacity=1)
    offer = _offer_to(member, shift, supervisor)
    next_in_line = services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    response = client_for(member).post(url("decline-offer", signup_id=offer.pk), follow=True)

    offer.refresh_from_db()
    next_in_line.refresh_from_db()
    assert offer.status == SignUp.Status.OFFER_LAPSED
    assert next_in_line.status == SignUp.Status.OFFERED
    assert any("You declined" in m for m in messages_of(response))


def test_accepting_twice_is_a_message_not_an_error(
    member: User,
    supervisor: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
) -> None:
    offer = _offer_to(member, make_shift(capacity=1), supervisor)
    client = client_for(member)
    client.post(url("accept-offer", signup_id=offer.pk))

    response = client.post(url("accept-offer", signup_id=offer.pk), follow=True)

    assert response.status_code == 200
    assert any("no open offer" in m for m in messages_of(response))


def test_the_next_parameter_never_leaves_the_site(
    member: User,
    supervisor: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
) -> None:
    offer = _offer_to(member, make_shift(capacity=1), supervisor)

    response = client_for(member).post(
        url("decline-offer", signup_id=offer.pk), {"next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == ME


# Dashboard -----------------------------------------------------------------------------------


def test_the_dashboard_shows_upcoming_past_and_hours_totals(
    member: User,
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
    site: Any,
) -> None:
    upcoming = make_shift(opportunity=OpportunityFactory(site=site, title="Upcoming intake"))
    services.sign_up(shift=upcoming, person=member.person, actor=member)
    cancelled = make_shift(days=5, opportunity=OpportunityFactory(site=site, title="Dropped"))
    dropped = services.sign_up(shift=cancelled, person=member.person, actor=member)
    services.cancel_signup(signup=dropped, actor=member)
    HoursEntryFactory(
        person=member.person, site=site, hours=Decimal("3.5"), status=HoursEntry.Status.VERIFIED
    )
    HoursEntryFactory(person=member.person, site=site, hours=Decimal("2"))

    response = client_for(member).get(ME)

    assert response.status_code == 200
    assert [s.shift_id for s in response.context["upcoming"]] == [upcoming.pk]
    assert [s.shift_id for s in response.context["history"]] == [cancelled.pk]
    assert "Upcoming intake" in response.text and "Dropped" in response.text
    totals = response.context["totals"]
    assert (totals.verified, totals.submitted) == (Decimal("3.5"), Decimal("2"))
    assert "3.5" in response.text


def test_the_dashboard_shows_only_my_own_sign_ups(
    member: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    make_shift: Callable[..., Shift],
    site: Any,
) -> None:
    someone = make_user(Role.MEMBER)
    theirs = make_shift(opportunity=OpportunityFactory(site=site, title="Their shift"))
    services.sign_up(shift=theirs, person=someone.person, actor=someone)

    response = client_for(member).get(ME)

    assert response.context["upcoming"] == []
    assert "Their shift" not in response.text


# Hours ---------------------------------------------------------------------------------------


def test_the_hours_form_warns_against_patient_information(
    member: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(member).get(HOURS)

    warning = "Do not write patient names or any patient information."
    assert response.text.count(warning) >= 2  # the visible alert and the field's help text
    assert 'aria-describedby="id_notes_helptext"' in response.text


def test_a_member_logs_hours_at_a_site(
    member: User, client_for: Callable[[User], Client], site: Any
) -> None:
    day = timezone.localdate() - dt.timedelta(days=2)

    response = client_for(member).post(
        HOURS,
        {
            "site": site.pk,
            "activity": "Health fair blood pressure station",
            "date": day.isoformat(),
            "hours": "3.25",
            "notes": "Set up and took down tables",
        },
        follow=True,
    )

    entry = HoursEntry.objects.get(person=member.person)
    assert (entry.site_id, entry.hours, entry.date) == (site.pk, Decimal("3.25"), day)
    assert entry.status == HoursEntry.Status.SUBMITTED
    assert "Health fair blood pressure station" in response.text


def test_hours_elsewhere_need_a_place_and_a_sane_number(
    member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    nowhere = client.post(HOURS, {"activity": "Tutoring", "date": day, "hours": "2"})
    too_many = client.post(
        HOURS, {"organization_name": "Food bank", "activity": "Sorting", "date": day, "hours": "30"}
    )
    future = client.post(
        HOURS,
        {
            "organization_name": "Food bank",
            "activity": "Sorting",
            "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "hours": "2",
        },
    )
    ok = client.post(
        HOURS, {"organization_name": "Food bank", "activity": "Sorting", "date": day, "hours": "2"}
    )

    assert nowhere.status_code == 200 and "organization_name" in nowhere.context["form"].errors
    assert "hours" in too_many.context["form"].errors
    assert "date" in future.context["form"].errors
    assert ok.status_code == 302
    assert list(HoursEntry.objects.values_list("organization_name", flat=True)) == ["Food bank"]


def test_editing_verified_hours_sends_them_back_for_verification(
    member: User, client_for: Callable[[User], Client], site: Any
) -> None:
    entry = HoursEntryFactory(person=member.person, site=site, status=HoursEntry.Status.VERIFIED)
    client = client_for(member)

    page = client.get(url("edit-hours", entry_id=entry.pk))
    assert "go back for verification" in page.text

    response = client.post(
        url("edit-hours", entry_id=entry.pk),
        {
            "site": site.pk,
            "activity": entry.activity,
            "date": entry.date.isoformat(),
            "hours": "5",
            "notes": "",
        },
        follow=True,
    )

    entry.refresh_from_db()
    assert entry.hours == Decimal("5")
    assert entry.status == HoursEntry.Status.SUBMITTED
    assert any("verification again" in m for m in messages_of(response))


def test_someone_elses_hours_are_404_to_edit_and_withdraw(
    member: User,
    make_user: Callable[..., User],
    supervisor: User,
    client_for: Callable[[User], Client],
    site: Any,
) -> None:
    entry = HoursEntryFactory(person=member.person, site=site)
    someone = make_user(Role.MEMBER)

    for user in (someone, supervisor):
        client = client_for(user)
        assert client.get(url("edit-hours", entry_id=entry.pk)).status_code == 404
        assert client.post(url("withdraw-hours", entry_id=entry.pk)).status_code == 404
    assert HoursEntry.objects.filter(pk=entry.pk).exists()


def test_withdrawing_submitted_hours_removes_them_but_verified_stay(
    member: User, client_for: Callable[[User], Client], site: Any
) -> None:
    submitted = HoursEntryFactory(person=member.person, site=site)
    verified = HoursEntryFactory(person=member.person, site=site, status=HoursEntry.Status.VERIFIED)
    client = client_for(member)

    client.post(url("withdraw-hours", entry_id=submitted.pk))
    response = client.post(url("withdraw-hours", entry_id=verified.pk), follow=True)

    assert not HoursEntry.objects.filter(pk=submitted.pk).exists()
    assert HoursEntry.objects.filter(pk=verified.pk).exists()
    assert any("cannot be withdrawn" in m for m in messages_of(response))


def test_rejected_hours_show_their_reason(
    member: User, client_for: Callable[[User], Client], site: Any
) -> None:
    HoursEntryFactory(
        person=member.person,
        site=site,
        status=HoursEntry.Status.REJECTED,
        rejection_reason="No shift that day",
    )

    response = client_for(member).get(HOURS)

    assert "No shift that day" in response.text


# Credentials ---------------------------------------------------------------------------------


def test_a_member_uploads_a_credential_with_evidence(
    member: User, client_for: Callable[[User], Client], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = client_for(member)
    page = client.get(CREDENTIALS)
    assert 'enctype="multipart/form-data"' in page.text
    issued = timezone.localdate() - dt.timedelta(days=10)

    response = client.post(
        CREDENTIALS,
        {
            "credential_type": credential_type("tb-test").pk,
            "issued_on": issued.isoformat(),
            "evidence": SimpleUploadedFile(
                "tb.pdf", b"%PDF-1.4 a TB test result", content_type="application/pdf"
            ),
        },
        follow=True,
    )

    credential = Credential.objects.get(person=member.person)
    assert credential.status == Credential.Status.SUBMITTED
    assert credential.expires_on is not None and credential.expires_on > issued  # 12 months
    assert Path(credential.evidence.path).is_relative_to(tmp_path)
    assert Path(credential.evidence.path).read_bytes().startswith(b"%PDF-")
    assert "TB test" in response.text
    assert "Waiting for verification" in response.text


def test_a_credential_upload_refuses_a_file_that_is_not_a_pdf_or_image(
    member: User, client_for: Callable[[User], Client], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path

    response = client_for(member).post(
        CREDENTIALS,
        {
            "credential_type": credential_type("hipaa").pk,
            "issued_on": timezone.localdate().isoformat(),
            "evidence": SimpleUploadedFile(
                "x.pdf", b"MZ not a pdf", content_type="application/pdf"
            ),
        },
    )

    assert response.status_code == 200
    assert "evidence" in response.context["form"].errors
    assert not Credential.objects.exists()


def test_credentials_about_to_expire_or_expired_are_flagged(
    member: User, client_for: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    CredentialFactory(
        person=member.person,
        credential_type=credential_type("hipaa"),
        issued_on=today - dt.timedelta(days=350),
        expires_on=today + dt.timedelta(days=10),
    )
    CredentialFactory(
        person=member.person,
        credential_type=credential_type("bls"),
        issued_on=today - dt.timedelta(days=800),
        expires_on=today - dt.timedelta(days=3),
    )

    response = client_for(member).get(CREDENTIALS)

    assert "Expires within 30 days" in response.text
    assert "Expired" in response.text


def test_a_member_does_not_see_anyone_elses_credentials(
    member: User, client_for: Callable[[User], Client], site: Any
) -> None:
    CredentialFactory(credential_type=credential_type("site-orientation"), site=site)

    response = client_for(member).get(CREDENTIALS)

    assert list(response.context["credentials"]) == []


# Settings ------------------------------------------------------------------------------------


def test_a_member_turns_reminders_off_and_on(
    member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    assert client.get(SETTINGS).context["form"]["reminders"].value() is True

    client.post(SETTINGS, {})
    assert VolunteerSettings.objects.get(person=member.person).reminders is False

    client.post(SETTINGS, {"reminders": "on"})
    assert VolunteerSettings.objects.get(person=member.person).reminders is True


# Without a person, and ids out of range ------------------------------------------------------


@pytest.mark.parametrize("page", [ME, HOURS, CREDENTIALS, SETTINGS])
def test_a_user_without_a_person_is_asked_to_create_their_profile(
    page: str, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    user = make_user(Role.MEMBER, person=False)

    response = client_for(user).get(page)

    assert response.status_code == 200
    assert "First, create your profile" in response.text
    assert f'href="{reverse("people:me")}"' in response.text


def test_a_user_without_a_person_cannot_sign_up_and_is_told_why(
    make_user: Callable[..., User], client_for: Callable[[User], Client], shift: Shift
) -> None:
    user = make_user(Role.MEMBER, person=False)
    client = client_for(user)

    listing = client.get(FIND)
    detail = client.get(url("shift-detail", shift_id=shift.pk))
    response = client.post(url("sign-up", shift_id=shift.pk))

    assert "Create your profile to sign up" in listing.text
    assert url("sign-up", shift_id=shift.pk) not in detail.text
    assert "First, create your profile" in response.text
    assert not SignUp.objects.exists()


@pytest.mark.parametrize(
    ("method", "name", "kwarg"),
    [
        ("get", "shift-detail", "shift_id"),
        ("post", "sign-up", "shift_id"),
        ("post", "cancel-signup", "signup_id"),
        ("post", "accept-offer", "signup_id"),
        ("post", "decline-offer", "signup_id"),
        ("get", "edit-hours", "entry_id"),
        ("post", "withdraw-hours", "entry_id"),
    ],
)
def test_ids_beyond_the_database_range_are_404(
    method: str, name: str, kwarg: str, member: User, client_for: Callable[[User], Client]
) -> None:
    response = getattr(client_for(member), method)(url(name, **{kwarg: HUGE_ID}))
    assert response.status_code == 404


def test_a_cancelled_shift_is_shown_as_cancelled_without_a_sign_up_button(
    member: User, supervisor: User, client_for: Callable[[User], Client], shift: Shift
) -> None:
    services.cancel_shift(shift=shift, actor=supervisor, reason="Clinic closed for snow")

    response = client_for(member).get(url("shift-detail", shift_id=shift.pk))

    assert "This shift is cancelled." in response.text
    assert "Clinic closed for snow" in response.text
    assert url("sign-up", shift_id=shift.pk) not in response.text


def test_a_shift_at_an_inactive_site_is_404_to_a_member(
    member: User, client_for: Callable[[User], Client], shift: Shift, site: Any
) -> None:
    site.is_active = False
    site.save()

    assert client_for(member).get(url("shift-detail", shift_id=shift.pk)).status_code == 404


def test_languages_on_the_profile_make_the_member_eligible(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift], site: Any
) -> None:
    shift = make_shift(opportunity=needs_spanish(OpportunityFactory(site=site)))
    PersonLanguage.objects.create(person=member.person, language="es", proficiency="native")

    response = client_for(member).get(url("shift-detail", shift_id=shift.pk))

    assert "needs Spanish" not in response.text
    assert url("sign-up", shift_id=shift.pk) in response.text


def test_times_are_shown_in_the_shifts_own_time_zone(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift]
) -> None:
    start = dt.datetime(2031, 3, 1, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York, 09:00 in St. Louis
    shift = make_shift(start=start)
    shift.timezone = "America/New_York"
    shift.save()

    response = client_for(member).get(url("shift-detail", shift_id=shift.pk))

    assert "Sat Mar 1, 2031 10:00" in response.text
    assert "EST" in response.text


def test_find_shifts_pages_through_later_shifts_in_start_order(
    member: User, client_for: Callable[[User], Client], make_shift: Callable[..., Shift]
) -> None:
    # 23 shifts, two of them starting at the same moment: paging must neither skip nor repeat.
    shifts = [make_shift(days=1 + day / 2) for day in range(22)]
    shifts.append(make_shift(start=shifts[19].starts_at))
    client = client_for(member)

    first = client.get(FIND)
    later = client.get(f"{FIND}?{first.context['later_query']}")

    shown = [row.shift.pk for row in first.context["rows"]]
    shown_later = [row.shift.pk for row in later.context["rows"]]
    assert len(shown) == 20
    assert "Next 20 shifts" in first.text
    expected = [s.pk for s in sorted(shifts, key=lambda s: (s.starts_at, s.pk))]
    assert shown + shown_later == expected
    assert later.context["later_query"] == ""
