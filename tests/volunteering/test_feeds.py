"""Calendar feeds: the personal and per-site iCalendar feeds, their secret URLs and the page
that shows them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person
from equityhub.places.models import Site
from equityhub.volunteering import calendars, services
from equityhub.volunteering.models import (
    Opportunity,
    Shift,
    SignUp,
    SiteCalendar,
    VolunteerSettings,
)
from tests.factories import PersonFactory
from tests.volunteering.factories import OpportunityFactory, ShiftFactory

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _personal_url(person: Person) -> str:
    return reverse("volunteering:personal-feed", args=[calendars.personal_feed_token(person)])


def _site_url(site: Site) -> str:
    return reverse("volunteering:site-feed", args=[calendars.site_feed_token(site)])


@pytest.fixture
def volunteer(make_user: Callable[..., User]) -> User:
    return make_user(Role.MEMBER, given_name="Amara", family_name="Quillfeather")


@pytest.fixture
def other_volunteer(make_user: Callable[..., User]) -> User:
    return make_user(Role.MEMBER, given_name="Bruno", family_name="Thistlewood")


# -- the personal feed -----------------------------------------------------------------------


def test_the_personal_feed_has_my_confirmed_shift_in_utc_and_no_one_elses(
    volunteer: User, other_volunteer: User, make_shift: Callable[..., Shift]
) -> None:
    start = (timezone.now() + dt.timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    mine = make_shift(start=start, capacity=3)
    theirs = make_shift(days=9)
    my_signup = services.sign_up(shift=mine, person=volunteer.person, actor=volunteer)
    services.sign_up(shift=mine, person=other_volunteer.person, actor=other_volunteer)
    their_signup = services.sign_up(
        shift=theirs, person=other_volunteer.person, actor=other_volunteer
    )

    response = Client().get(_personal_url(volunteer.person))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    events = _events(response.content)
    assert set(events) == {f"signup-{my_signup.pk}@equityhub"}
    event = events[f"signup-{my_signup.pk}@equityhub"]
    assert event.decoded("DTSTART") == mine.starts_at
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert event.decoded("DTEND") == mine.ends_at
    assert f"DTSTART:{start.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z".encode() in response.content
    assert str(event["SUMMARY"]) == mine.opportunity.title
    assert str(event["STATUS"]) == "CONFIRMED"
    assert mine.opportunity.site.address in str(event["LOCATION"])
    assert f"signup-{their_signup.pk}@" not in response.content.decode()
    assert b"Thistlewood" not in response.content
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Equity Hub: my volunteer shifts"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT4H" in response.content


def test_the_personal_feed_marks_waitlist_places_and_cancelled_shifts(
    volunteer: User, other_volunteer: User, supervisor: User, make_shift: Callable[..., Shift]
) -> None:
    full = make_shift(days=4, capacity=1)
    services.sign_up(shift=full, person=other_volunteer.person, actor=other_volunteer)
    waiting = services.sign_up(shift=full, person=volunteer.person, actor=volunteer)
    doomed = make_shift(days=8)
    cancelled = services.sign_up(shift=doomed, person=volunteer.person, actor=volunteer)
    services.cancel_shift(shift=doomed, actor=supervisor, reason="Water main break")

    events = _events(Client().get(_personal_url(volunteer.person)).content)

    waitlisted = events[f"signup-{waiting.pk}@equityhub"]
    assert str(waitlisted["SUMMARY"]) == f"Waitlist #1: {full.opportunity.title}"
    assert str(waitlisted["STATUS"]) == "TENTATIVE"
    gone = events[f"signup-{cancelled.pk}@equityhub"]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert "Water main break" in str(gone["DESCRIPTION"])


def test_shifts_older_than_30_days_drop_out_of_the_personal_feed(
    volunteer: User, make_shift: Callable[..., Shift]
) -> None:
    old = make_shift(start=timezone.now() - dt.timedelta(days=40))
    recent = make_shift(start=timezone.now() - dt.timedelta(days=10))
    old_signup = SignUp.objects.create(shift=old, person=volunteer.person, status="attended")
    recent_signup = SignUp.objects.create(shift=recent, person=volunteer.person, status="attended")

    events = _events(Client().get(_personal_url(volunteer.person)).content)

    assert set(events) == {f"signup-{recent_signup.pk}@equityhub"}
    assert f"signup-{old_signup.pk}@equityhub" not in events


def test_rotating_my_key_makes_the_old_url_404_and_the_new_one_work(
    volunteer: User, client_for: Callable[[User], Client]
) -> None:
    old_url = _personal_url(volunteer.person)
    assert Client().get(old_url).status_code == 200

    response = client_for(volunteer).post(reverse("volunteering:rotate-calendar"))

    assert response.status_code == 302
    assert VolunteerSettings.objects.get(person=volunteer.person).calendar_key_version == 2
    assert Client().get(old_url).status_code == 404
    new_url = _personal_url(volunteer.person)
    assert new_url != old_url
    assert Client().get(new_url).status_code == 200
    page = client_for(volunteer).get(reverse("volunteering:my-calendar"))
    assert new_url in page.content.decode()
    assert old_url not in page.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.Signer(salt="some.other.salt").sign_object({"p": 1, "v": 1}),
        signing.Signer(salt=calendars.SALT).sign_object({"p": "1", "v": 1}),
        signing.Signer(salt=calendars.SALT).sign_object([1, 1]),
    ],
    ids=["garbage", "another-salt", "text-id", "not-a-mapping"],
)
def test_a_bad_token_is_404(token: str, volunteer: User) -> None:
    assert Client().get(reverse("volunteering:personal-feed", args=[token])).status_code == 404
    assert Client().get(reverse("volunteering:site-feed", args=[token])).status_code == 404


def test_a_tampered_or_cross_kind_token_is_404(volunteer: User, site: Site) -> None:
    token = calendars.personal_feed_token(volunteer.person)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(reverse("volunteering:personal-feed", args=[tampered])).status_code == 404
    # A site's key does not open a personal feed, nor the other way round.
    site_token = calendars.site_feed_token(site)
    assert calendars.person_for_token(site_token) is None
    assert calendars.site_for_token(token) is None
    assert Client().get(reverse("volunteering:personal-feed", args=[site_token])).status_code == (
        404
    )


def test_a_deleted_person_or_a_switched_off_feed_is_404(volunteer: User) -> None:
    url = _personal_url(volunteer.person)
    VolunteerSettings.objects.create(person=volunteer.person, calendar_enabled=False)
    assert Client().get(url).status_code == 404
    VolunteerSettings.objects.filter(person=volunteer.person).update(calendar_enabled=True)
    assert Client().get(url).status_code == 200
    volunteer.person.delete()
    assert Client().get(url).status_code == 404


def test_feeds_answer_only_get(volunteer: User) -> None:
    assert Client().post(_personal_url(volunteer.person)).status_code == 405


# -- the site feed ---------------------------------------------------------------------------


def test_the_site_feed_counts_seats_and_names_no_volunteer(
    volunteer: User, other_volunteer: User, site: Site, make_shift: Callable[..., Shift]
) -> None:
    shift = make_shift(days=6, capacity=3)
    services.sign_up(shift=shift, person=volunteer.person, actor=volunteer)
    services.sign_up(shift=shift, person=other_volunteer.person, actor=other_volunteer)
    elsewhere = ShiftFactory(opportunity=OpportunityFactory(title="Somewhere else entirely"))

    response = Client().get(_site_url(site))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    for name in ("Quillfeather", "Thistlewood", "Amara", "Bruno", volunteer.person.email):
        assert name not in body
    events = _events(response.content)
    assert set(events) == {f"shift-{shift.pk}@equityhub"}
    assert f"shift-{elsewhere.pk}@" not in body
    assert "Seats open: 1 of 3." in str(events[f"shift-{shift.pk}@equityhub"]["DESCRIPTION"])
    assert site.name in str(Calendar.from_ical(response.content)["X-WR-CALNAME"])


def test_the_site_feed_spans_30_days_back_to_180_days_ahead(
    site: Site, make_shift: Callable[..., Shift]
) -> None:
    inside = [make_shift(days=-20), make_shift(days=170)]
    outside = [make_shift(days=-40), make_shift(days=200)]

    events = _events(Client().get(_site_url(site)).content)

    assert set(events) == {f"shift-{s.pk}@equityhub" for s in inside}
    assert not {f"shift-{s.pk}@equityhub" for s in outside} & set(events)


def test_a_supervisor_rotates_their_sites_key_but_not_another_sites(
    supervisor: User, site: Site, other_site: Site, client_for: Callable[[User], Client]
) -> None:
    old_url = _site_url(site)
    other_url = _site_url(other_site)
    client = client_for(supervisor)

    response = client.post(reverse("volunteering:rotate-site-calendar", args=[site.pk]))
    refused = client.post(reverse("volunteering:rotate-site-calendar", args=[other_site.pk]))

    assert response.status_code == 302
    assert refused.status_code == 404
    assert Client().get(old_url).status_code == 404
    assert Client().get(_site_url(site)).status_code == 200
    assert Client().get(other_url).status_code == 200


def test_rotating_needs_a_post_and_a_sign_in(
    volunteer: User, supervisor: User, site: Site, client_for: Callable[[User], Client]
) -> None:
    anonymous = Client().post(reverse("volunteering:rotate-calendar"))
    anonymous_site = Client().post(reverse("volunteering:rotate-site-calendar", args=[site.pk]))
    by_get = client_for(volunteer).get(reverse("volunteering:rotate-calendar"))
    site_by_get = client_for(supervisor).get(
        reverse("volunteering:rotate-site-calendar", args=[site.pk])
    )
    by_student = client_for(volunteer).post(
        reverse("volunteering:rotate-site-calendar", args=[site.pk])
    )

    assert anonymous.status_code == anonymous_site.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert by_get.status_code == site_by_get.status_code == 405
    assert by_student.status_code == 404
    assert VolunteerSettings.objects.filter(person=volunteer.person).count() == 0
    assert calendars.site_for_token(calendars.site_feed_token(site)) == site
    assert not SiteCalendar.objects.filter(site=site).exists()


# -- the page --------------------------------------------------------------------------------


def test_my_calendar_page_shows_my_url_in_a_labelled_readonly_field(
    volunteer: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(volunteer).get(reverse("volunteering:my-calendar"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "http://testserver" + _personal_url(volunteer.person) in html
    assert 'for="personal-feed-url"' in html
    assert 'id="personal-feed-url" type="text" readonly' in html
    assert "webcal://testserver" in html
    assert reverse("volunteering:rotate-calendar") in html
    assert "no-store" in response["Cache-Control"]
    # A student manages no site, so sees no site feeds.
    assert "/volunteer/sites/calendar/" not in html


def test_a_supervisor_sees_only_their_sites_feed(
    supervisor: User, site: Site, other_site: Site, client_for: Callable[[User], Client]
) -> None:
    html = client_for(supervisor).get(reverse("volunteering:my-calendar")).content.decode()

    assert _site_url(site) in html
    assert _site_url(other_site) not in html
    assert other_site.name not in html


def test_a_user_with_no_person_gets_a_friendly_page(
    make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    loner = make_user(None, person=False)

    response = client_for(loner).get(reverse("volunteering:my-calendar"))
    rotate = client_for(loner).post(reverse("volunteering:rotate-calendar"))

    assert response.status_code == 200
    assert "not linked to a volunteer record" in response.content.decode()
    assert "/volunteer/calendar/" not in response.content.decode()
    assert rotate.status_code == 404


def test_the_calendar_page_needs_a_sign_in() -> None:
    response = Client().get(reverse("volunteering:my-calendar"))
    assert response.status_code == 302


# -- query counts ----------------------------------------------------------------------------


def _queries(url: str) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _fill(person: Person, opportunity: Opportunity, count: int) -> None:
    base = timezone.now() + dt.timedelta(days=1)
    for i in range(count):
        starts_at = base + dt.timedelta(days=i)
        shift = ShiftFactory(
            opportunity=opportunity,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=3),
            capacity=5,
        )
        SignUp.objects.create(shift=shift, person=person, status="confirmed")
        SignUp.objects.create(shift=shift, person=PersonFactory(), status="confirmed")


def test_feeds_take_the_same_number_of_queries_for_3_or_30_sign_ups(
    opportunity: Opportunity,
) -> None:
    few_person, many_person = PersonFactory(), PersonFactory()
    few_opportunity = opportunity
    many_opportunity = OpportunityFactory(title="Another clinic's role")
    _fill(few_person, few_opportunity, 3)
    _fill(many_person, many_opportunity, 30)

    few_personal = _queries(_personal_url(few_person))
    many_personal = _queries(_personal_url(many_person))
    few_site = _queries(_site_url(few_opportunity.site))
    many_site = _queries(_site_url(many_opportunity.site))

    assert len(_events(Client().get(_personal_url(many_person)).content)) == 30
    assert len(_events(Client().get(_site_url(many_opportunity.site)).content)) == 30
    assert few_personal == many_personal
    assert few_site == many_site
    assert many_personal <= 4
    assert many_site <= 4
