"""The site supervisors' and office staff's pages: sites, opportunities, shifts, series and the
roster. Owner (the site's supervisor, office staff), member and outsider on each."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from equityhub.accounts.models import Role
from equityhub.audit.models import AuditEntry
from equityhub.people.models import Language, PersonLanguage, Proficiency, TrainingLevel
from equityhub.places.models import Site
from equityhub.volunteering import services
from equityhub.volunteering.models import (
    HoursEntry,
    Opportunity,
    Shift,
    ShiftSeries,
    SignUp,
)
from tests.factories import PersonFactory
from tests.volunteering.factories import AreaFactory, HoursEntryFactory, credential_type

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
HUGE_ID = 2**63


def url(name: str, *args: object) -> str:
    return reverse(f"volunteering:{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def next_weekday(weekday: int, weeks_ahead: int = 1) -> dt.date:
    """A date `weeks_ahead` weeks out that falls on `weekday` (Monday is 0)."""
    today = timezone.localdate()
    start = today + dt.timedelta(days=7 * weeks_ahead)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def seat(shift: Shift, person, status: str = "confirmed") -> SignUp:
    """A sign-up made directly (the services refuse sign-ups for shifts that have started)."""
    signup = SignUp.objects.create(shift=shift, person=person, status=status)
    shift.seats_taken = SignUp.objects.filter(shift=shift, status__in=SignUp.SEATED).count()
    shift.save(update_fields=["seats_taken"])
    return signup


def shift_form(**overrides: object) -> dict[str, object]:
    day = next_weekday(5)
    data: dict[str, object] = {
        "date": day.isoformat(),
        "start_time": "08:00",
        "end_time": "13:00",
        "capacity": "3",
        "supervisor": "",
        "notes": "",
        "repeats": "once",
        "weekdays": [],
        "count": "",
        "until": "",
        "rrule": "",
    }
    data.update(overrides)
    return data


# -- who may see what --------------------------------------------------------------------------


def test_a_supervisor_sees_only_their_own_site_on_the_manage_home(
    client_for, supervisor, site, other_site, make_shift
):
    shift = make_shift()
    HoursEntryFactory(site=site)
    HoursEntryFactory(site=site)
    HoursEntryFactory(site=other_site)

    response = client_for(supervisor).get(url("manage"))

    assert response.status_code == 200
    assert site.name in response.text
    assert other_site.name not in response.text
    assert url("roster", shift.pk) in response.text
    [summary] = response.context["summaries"]
    assert (summary.site, summary.hours_waiting) == (site, 2)
    assert url("site-create") not in response.text


def test_office_staff_see_every_site_and_a_new_site_button(
    client_for, coordinator, site, other_site
):
    response = client_for(coordinator).get(url("manage"))

    assert response.status_code == 200
    assert site.name in response.text and other_site.name in response.text
    assert url("site-create") in response.text


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_members_and_outsiders_may_not_open_the_manage_home(request, client_for, who, site):
    user = request.getfixturevalue(who)

    response = client_for(user).get(url("manage"))

    assert response.status_code == 403
    assert site.name not in response.text


def test_the_manage_home_needs_a_login(client, site):
    response = client.get(url("manage"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_supervisor_manages_their_site_but_gets_404_for_another(
    client_for, supervisor, site, other_site, make_shift
):
    shift = make_shift()
    opportunity = shift.opportunity
    other_opportunity = Opportunity.objects.create(site=other_site, title="Evening intake")
    other_shift = make_shift(opportunity=other_opportunity)
    client = client_for(supervisor)

    page = client.get(url("site-manage", site.pk))
    assert page.status_code == 200
    assert opportunity.title in page.text
    assert url("roster", shift.pk) in page.text

    for path in (
        url("site-manage", other_site.pk),
        url("site-edit", other_site.pk),
        url("opportunity-create", other_site.pk),
        url("opportunity-edit", other_opportunity.pk),
        url("shift-create", other_opportunity.pk),
        url("shift-edit", other_shift.pk),
        url("shift-cancel", other_shift.pk),
        url("roster", other_shift.pk),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert other_site.name not in response.text


def test_a_supervisor_may_not_create_sites(client_for, supervisor):
    response = client_for(supervisor).post(url("site-create"), {"name": "X", "zip_code": "63106"})

    assert response.status_code == 403
    assert not Site.objects.filter(name="X").exists()


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_members_and_outsiders_get_404_on_rosters_and_shift_pages(
    request, client_for, who, shift, site
):
    person = PersonFactory(family_name="Rostered")
    signup = services.sign_up(
        shift=shift, person=person, actor=request.getfixturevalue("admin_user")
    )
    client = client_for(request.getfixturevalue(who))

    for path in (
        url("roster", shift.pk),
        url("shift-edit", shift.pk),
        url("shift-cancel", shift.pk),
        url("site-manage", site.pk),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Rostered" not in response.text
    assert client.post(url("check-in", signup.pk)).status_code == 404
    assert client.post(url("no-show", signup.pk)).status_code == 404
    assert client.post(url("roster-walk-in", shift.pk), {"email": person.email}).status_code == 404
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_a_member_cannot_check_themselves_in(client_for, member, make_shift):
    shift = make_shift(days=-0.05)
    signup = seat(shift, member.person)

    response = client_for(member).post(url("check-in", signup.pk))

    assert response.status_code == 404
    signup.refresh_from_db()
    assert signup.status == "confirmed"
    assert not HoursEntry.objects.exists()


def test_a_shifts_own_supervisor_may_run_its_roster_but_not_the_site(
    client_for, make_user, make_shift, site
):
    helper = make_user(Role.SITE_SUPERVISOR, scope=site)
    stranger = make_user(
        Role.SITE_SUPERVISOR, scope=Site.objects.create(name="Elsewhere", zip_code="63101")
    )
    shift = make_shift()
    shift.supervisor = stranger
    shift.save()

    client = client_for(stranger)

    assert client.get(url("roster", shift.pk)).status_code == 200
    assert client.get(url("site-manage", site.pk)).status_code == 404
    assert client_for(helper).get(url("roster", shift.pk)).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["site-manage", "site-edit", "opportunity-create"],
)
def test_ids_above_the_bigint_range_are_404_on_site_pages(client_for, coordinator, name):
    assert client_for(coordinator).get(url(name, HUGE_ID)).status_code == 404


@pytest.mark.parametrize(
    "name", ["opportunity-edit", "shift-create", "shift-edit", "shift-cancel", "roster"]
)
def test_ids_above_the_bigint_range_are_404_on_shift_pages(client_for, coordinator, name):
    assert client_for(coordinator).get(url(name, HUGE_ID)).status_code == 404


@pytest.mark.parametrize("name", ["check-in", "no-show", "roster-walk-in", "roster-sign-up"])
def test_ids_above_the_bigint_range_are_404_on_roster_actions(client_for, coordinator, name):
    assert client_for(coordinator).post(url(name, HUGE_ID)).status_code == 404


# -- sites and opportunities ---------------------------------------------------------------------


def site_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Casa de Salud Saturday Clinic",
        "kind": "clinic",
        "organization": "",
        "description": "",
        "address": "3200 Chouteau Ave",
        "city": "St. Louis",
        "state": "MO",
        "zip_code": "63103",
        "area": "",
        "hours": "Saturdays 8am-1pm",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "timezone": "America/Chicago",
        "latitude": "",
        "longitude": "",
        "is_active": "on",
        "serves_areas": [],
    }
    data.update(overrides)
    return data


def test_office_staff_create_a_site_with_the_areas_it_serves(client_for, coordinator):
    areas = [AreaFactory(code="63103"), AreaFactory(code="63104")]

    response = client_for(coordinator).post(
        url("site-create"), site_form(serves_areas=[str(a.pk) for a in areas])
    )

    site = Site.objects.get(name="Casa de Salud Saturday Clinic")
    assert response.status_code == 302
    assert response["Location"] == url("site-manage", site.pk)
    assert set(site.serves_areas.all()) == set(areas)
    assert site.area == areas[0]  # its ZIP code area, found by the service
    assert AuditEntry.objects.filter(action="volunteering.site.created").exists()


def test_a_duplicate_site_name_is_shown_on_the_name_field(client_for, coordinator, site):
    response = client_for(coordinator).post(url("site-create"), site_form(name=site.name.upper()))

    assert response.status_code == 422
    assert "A site with this name exists already." in response.context["form"].errors["name"]
    assert Site.objects.filter(name__iexact=site.name).count() == 1


def test_a_supervisor_edits_their_site_and_its_areas_served(client_for, supervisor, site):
    area = AreaFactory(code="63106")

    response = client_for(supervisor).post(
        url("site-edit", site.pk),
        site_form(name=site.name, zip_code="63106", hours="Tuesdays", serves_areas=[str(area.pk)]),
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.hours == "Tuesdays"
    assert list(site.serves_areas.all()) == [area]
    entry = AuditEntry.objects.get(action="volunteering.site.updated")
    assert entry.changes["hours"][1] == "Tuesdays"


def test_office_staff_create_an_opportunity_with_requirements(client_for, coordinator, site):
    hipaa, tb = credential_type("hipaa"), credential_type("tb-test")

    response = client_for(coordinator).post(
        url("opportunity-create", site.pk),
        {
            "title": "Refugee health night: interpreter",
            "description": "Help families at intake.",
            "credential_types": [str(hipaa.pk), str(tb.pk)],
            "min_training_level": TrainingLevel.MEDICAL_STUDENT,
            "min_age": "18",
            "requires_orientation": "on",
            "is_active": "on",
            "language_1": Language.ARABIC,
            "proficiency_1": Proficiency.PROFESSIONAL,
            "language_2": Language.DARI,
            "proficiency_2": Proficiency.CONVERSATIONAL,
            "language_3": "",
            "proficiency_3": "",
        },
    )

    assert response.status_code == 302
    opportunity = Opportunity.objects.get(title="Refugee health night: interpreter")
    assert opportunity.site == site
    assert set(opportunity.credential_types.all()) == {hipaa, tb}
    assert dict(opportunity.language_requirements.values_list("language", "min_proficiency")) == {
        "ar": "professional",
        "prs": "conversational",
    }
    assert (opportunity.min_training_level, opportunity.min_age) == ("medical_student", 18)
    assert opportunity.requires_orientation is True


def test_a_language_listed_twice_is_refused(client_for, coordinator, site):
    response = client_for(coordinator).post(
        url("opportunity-create", site.pk),
        {
            "title": "Interpreter",
            "is_active": "on",
            "language_1": "es",
            "proficiency_1": "basic",
            "language_2": "es",
            "proficiency_2": "native",
        },
    )

    assert response.status_code == 422
    assert "This language is listed twice." in response.context["form"].errors["language_2"]
    assert not Opportunity.objects.filter(title="Interpreter").exists()


def test_editing_an_opportunity_shows_and_replaces_its_requirements(
    client_for, supervisor, opportunity
):
    services.save_opportunity(
        actor=supervisor,
        site=opportunity.site,
        opportunity=opportunity,
        credential_type_ids=[credential_type("bls").pk],
        languages={"es": "conversational"},
        title=opportunity.title,
    )
    client = client_for(supervisor)

    page = client.get(url("opportunity-edit", opportunity.pk))
    assert page.status_code == 200
    assert page.context["form"].initial["language_1"] == "es"

    response = client.post(
        url("opportunity-edit", opportunity.pk),
        {"title": "Intake (Spanish)", "is_active": "on", "language_1": "", "min_age": ""},
    )

    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.title == "Intake (Spanish)"
    assert not opportunity.credential_types.exists()
    assert not opportunity.language_requirements.exists()


# -- shifts and series ---------------------------------------------------------------------------


def test_office_staff_create_one_shift_in_the_sites_time_zone(
    client_for, coordinator, opportunity, supervisor
):
    data = shift_form(capacity="4", supervisor=str(supervisor.pk), notes="Park on Chouteau.")

    response = client_for(coordinator).post(url("shift-create", opportunity.pk), data)

    assert response.status_code == 302
    [shift] = Shift.objects.filter(opportunity=opportunity)
    day = dt.date.fromisoformat(str(data["date"]))
    assert shift.starts_at == dt.datetime.combine(day, dt.time(8), tzinfo=CHICAGO)
    assert shift.ends_at == dt.datetime.combine(day, dt.time(13), tzinfo=CHICAGO)
    assert (shift.capacity, shift.supervisor, shift.notes) == (4, supervisor, "Park on Chouteau.")
    assert shift.series is None


def test_a_shift_that_ends_before_it_starts_is_refused(client_for, coordinator, opportunity):
    response = client_for(coordinator).post(
        url("shift-create", opportunity.pk), shift_form(start_time="13:00", end_time="08:00")
    )

    assert response.status_code == 422
    assert response.context["form"].errors["end_time"]
    assert not Shift.objects.exists()


def test_a_weekly_series_creates_its_twelve_shifts(client_for, coordinator, opportunity):
    data = shift_form(repeats="weekly", weekdays=["SA"], count="12")
    client = client_for(coordinator)

    response = client.post(url("shift-create", opportunity.pk), data)

    assert response.status_code == 302
    series = ShiftSeries.objects.get(opportunity=opportunity)
    assert series.rrule == "FREQ=WEEKLY;BYDAY=SA;COUNT=12"
    shifts = list(series.shifts.order_by("starts_at"))
    assert len(shifts) == 12
    assert {s.local_start.weekday() for s in shifts} == {5}
    assert {s.local_start.time() for s in shifts} == {dt.time(8)}  # across DST changes too
    assert {s.capacity for s in shifts} == {3}
    assert "12 shifts" in messages_of(client.get(url("manage")))[0]


def test_a_weekly_series_until_a_date_builds_an_until_rule(client_for, coordinator, opportunity):
    first = next_weekday(1)
    data = shift_form(
        date=first.isoformat(),
        repeats="weekly",
        weekdays=["TU", "TH"],
        until=(first + dt.timedelta(days=14)).isoformat(),
    )

    response = client_for(coordinator).post(url("shift-create", opportunity.pk), data)

    assert response.status_code == 302
    series = ShiftSeries.objects.get()
    assert (
        series.rrule
        == f"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL={first + dt.timedelta(days=14):%Y%m%d}T235959"
    )
    assert series.shifts.count() == 5  # Tu Th Tu Th Tu


def test_a_weekly_series_needs_days_and_a_count_or_an_end(client_for, coordinator, opportunity):
    response = client_for(coordinator).post(
        url("shift-create", opportunity.pk), shift_form(repeats="weekly")
    )

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "weekdays" in errors and "count" in errors
    assert not ShiftSeries.objects.exists()


def test_a_bad_rrule_rerenders_the_form_with_the_message_and_creates_nothing(
    client_for, coordinator, opportunity
):
    response = client_for(coordinator).post(
        url("shift-create", opportunity.pk), shift_form(repeats="rrule", rrule="FREQ=SOMETIMES")
    )

    assert response.status_code == 422
    [message] = response.context["form"].errors["rrule"]
    assert message.startswith("The recurrence rule is not valid")
    assert escape(message) in response.text
    assert not ShiftSeries.objects.exists()
    assert not Shift.objects.exists()


def test_an_endless_rrule_is_refused_on_the_field(client_for, coordinator, opportunity):
    response = client_for(coordinator).post(
        url("shift-create", opportunity.pk), shift_form(repeats="rrule", rrule="FREQ=DAILY")
    )

    assert response.status_code == 422
    assert "add COUNT or UNTIL" in response.context["form"].errors["rrule"][0]
    assert not Shift.objects.exists()


def make_series(actor, opportunity, count: int = 4) -> list[Shift]:
    first = next_weekday(5)
    series = services.create_series(
        actor=actor,
        opportunity=opportunity,
        rrule=f"FREQ=WEEKLY;BYDAY=SA;COUNT={count}",
        first_start=dt.datetime.combine(first, dt.time(8)),
        duration_minutes=300,
        capacity=3,
    )
    return list(series.shifts.order_by("starts_at"))


def edit_form(shift: Shift, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "date": shift.local_start.date().isoformat(),
        "start_time": f"{shift.local_start:%H:%M}",
        "end_time": f"{shift.local_end:%H:%M}",
        "capacity": str(shift.capacity),
        "supervisor": "",
        "notes": shift.notes,
        "apply_to": "this",
    }
    data.update(overrides)
    return data


def test_editing_one_occurrence_detaches_it_from_the_series(client_for, supervisor, opportunity):
    shifts = make_series(supervisor, opportunity)
    second = shifts[1]
    client = client_for(supervisor)

    page = client.get(url("shift-edit", second.pk))
    assert page.status_code == 200
    assert "apply_to" in page.context["form"].fields

    response = client.post(
        url("shift-edit", second.pk), edit_form(second, capacity="5", start_time="09:00")
    )

    assert response.status_code == 302
    second.refresh_from_db()
    assert second.detached is True
    assert second.capacity == 5
    assert second.local_start.time() == dt.time(9)
    assert [s.capacity for s in Shift.objects.exclude(pk=second.pk)] == [3, 3, 3]


def test_editing_a_series_from_a_date_changes_that_shift_and_the_later_ones(
    client_for, coordinator, opportunity
):
    shifts = make_series(coordinator, opportunity)
    second = shifts[1]

    response = client_for(coordinator).post(
        url("shift-edit", second.pk),
        edit_form(second, start_time="09:00", end_time="12:00", capacity="6", apply_to="later"),
    )

    assert response.status_code == 302
    after = list(Shift.objects.order_by("starts_at"))
    assert [s.capacity for s in after] == [3, 6, 6, 6]
    assert [s.local_start.time() for s in after] == [dt.time(8), *[dt.time(9)] * 3]
    assert [s.local_end.time() for s in after] == [dt.time(13), *[dt.time(12)] * 3]
    assert not any(s.detached for s in after)
    assert ShiftSeries.objects.get().capacity == 6


def test_a_series_edit_cannot_move_the_day(client_for, coordinator, opportunity):
    shifts = make_series(coordinator, opportunity)
    second = shifts[1]
    other_day = second.local_start.date() + dt.timedelta(days=1)

    response = client_for(coordinator).post(
        url("shift-edit", second.pk),
        edit_form(second, date=other_day.isoformat(), apply_to="later"),
    )

    assert response.status_code == 422
    assert response.context["form"].errors["date"]
    second.refresh_from_db()
    assert second.local_start.date() != other_day


def test_lowering_capacity_below_the_seats_taken_is_shown_on_the_field(
    client_for, supervisor, shift
):
    for _ in range(2):
        services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    response = client_for(supervisor).post(
        url("shift-edit", shift.pk), edit_form(shift, capacity="1")
    )

    assert response.status_code == 422
    assert "2 people hold seats" in response.context["form"].errors["capacity"][0]
    shift.refresh_from_db()
    assert shift.capacity == 2


def test_cancelling_a_shift_emails_everyone_on_it(
    client_for, supervisor, make_shift, django_capture_on_commit_callbacks
):
    shift = make_shift(capacity=2)
    people = [PersonFactory() for _ in range(3)]  # two seated, one waiting
    for person in people:
        services.sign_up(shift=shift, person=person, actor=supervisor)
    client = client_for(supervisor)

    page = client.get(url("shift-cancel", shift.pk))
    assert "2 people hold seats" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("shift-cancel", shift.pk), {"reason": "The clinic flooded."})

    assert response.status_code == 302
    shift.refresh_from_db()
    assert shift.status == "cancelled" and shift.cancel_reason == "The clinic flooded."
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert all("The clinic flooded." in m.body for m in mail.outbox)
    assert set(SignUp.objects.values_list("status", flat=True)) == {"shift_cancelled"}


def test_cancelling_a_shift_needs_a_reason(client_for, supervisor, shift):
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    response = client_for(supervisor).post(url("shift-cancel", shift.pk), {"reason": "   "})

    assert response.status_code == 422
    assert response.context["form"].errors["reason"]
    shift.refresh_from_db()
    assert shift.status == "scheduled"
    assert mail.outbox == []


def test_cancelling_this_and_later_shifts_of_a_series(client_for, coordinator, opportunity):
    shifts = make_series(coordinator, opportunity)

    response = client_for(coordinator).post(
        url("shift-cancel", shifts[2].pk), {"reason": "Summer break", "apply_to": "later"}
    )

    assert response.status_code == 302
    statuses = list(Shift.objects.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["scheduled", "scheduled", "cancelled", "cancelled"]


def test_the_site_page_lists_shifts_with_seats_and_waitlist_and_the_series(
    client_for, supervisor, site, make_shift, opportunity
):
    shift = make_shift(capacity=1)
    for _ in range(3):
        services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    make_series(supervisor, opportunity, count=2)

    response = client_for(supervisor).get(url("site-manage", site.pk))

    assert response.status_code == 200
    listed = {s.pk: s for s in response.context["shifts"]}
    assert (listed[shift.pk].seats_taken, listed[shift.pk].waitlist_length) == (1, 2)
    assert "FREQ=WEEKLY;BYDAY=SA;COUNT=2" in response.text
    [series] = response.context["series_list"]
    assert series.upcoming == 2


# -- the roster ---------------------------------------------------------------------------------


def test_the_roster_lists_people_with_pronouns_and_the_waitlist_in_order(
    client_for, supervisor, make_shift
):
    shift = make_shift(capacity=1)
    seated = PersonFactory(given_name="Amara", family_name="Okafor", pronouns="she/her")
    first, second = PersonFactory(family_name="Zimmer"), PersonFactory(family_name="Abbott")
    for person in (seated, first, second):
        services.sign_up(shift=shift, person=person, actor=supervisor)

    response = client_for(supervisor).get(url("roster", shift.pk))

    assert response.status_code == 200
    assert "she/her" in response.text
    assert [e.signup.person for e in response.context["seated"]] == [seated]
    assert [e.signup.person for e in response.context["waiting"]] == [first, second]
    assert response.text.index("Zimmer") < response.text.index("Abbott")
    assert 'aria-live="polite"' in response.text


def test_the_roster_shows_eligibility_problems_and_override_reasons(
    client_for, coordinator, site, make_shift
):
    opportunity = Opportunity.objects.create(site=site, title="Spanish intake")
    services.save_opportunity(
        actor=coordinator,
        site=site,
        opportunity=opportunity,
        credential_type_ids=[credential_type("hipaa").pk],
        languages={"es": "conversational"},
        title="Spanish intake",
    )
    shift = make_shift(opportunity=opportunity)
    person = PersonFactory()
    PersonLanguage.objects.create(person=person, language="es", proficiency="native")
    services.sign_up(
        shift=shift, person=person, actor=coordinator, override_reason="HIPAA done, paper copy"
    )

    response = client_for(coordinator).get(url("roster", shift.pk))

    [entry] = response.context["seated"]
    assert [p.code for p in entry.problems] == ["credential_missing"]
    assert "HIPAA training is not on file" in response.text
    assert "HIPAA done, paper copy" in response.text


def test_check_in_with_htmx_swaps_the_row_and_creates_an_hours_entry(
    client_for, supervisor, make_shift
):
    shift = make_shift(days=0.05)  # starts in about an hour: check-in is open
    person = PersonFactory(given_name="Dario", family_name="Reyes", preferred_name="")
    signup = services.sign_up(shift=shift, person=person, actor=supervisor)
    roster_page = client_for(supervisor).get(url("roster", shift.pk))
    assert f'hx-post="{url("check-in", signup.pk)}"' in roster_page.text
    assert "btn-lg" in roster_page.text

    response = client_for(supervisor).post(url("check-in", signup.pk), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="signup-{signup.pk}"' in response.text
    assert 'hx-swap-oob="innerHTML"' in response.text
    assert f"Checked in: {person.display_name}" in response.text
    signup.refresh_from_db()
    assert signup.status == "attended" and signup.checked_in_by == supervisor
    entry = HoursEntry.objects.get(signup=signup)
    assert (entry.person, entry.hours, entry.status) == (person, shift.hours, "submitted")


def test_check_in_without_javascript_redirects_back_to_the_roster(
    client_for, supervisor, make_shift
):
    shift = make_shift(days=-0.05)
    signup = seat(shift, PersonFactory())

    response = client_for(supervisor).post(url("check-in", signup.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(url("roster", shift.pk))
    signup.refresh_from_db()
    assert signup.status == "attended"
    assert HoursEntry.objects.filter(signup=signup).exists()


def test_no_show_after_the_start_is_recorded(client_for, supervisor, make_shift):
    shift = make_shift(days=-0.05)  # started about an hour ago
    person = PersonFactory()
    signup = seat(shift, person)

    response = client_for(supervisor).post(url("no-show", signup.pk), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f"No-show: {person.display_name}" in response.text
    signup.refresh_from_db()
    assert signup.status == "no_show"
    shift.refresh_from_db()
    assert shift.seats_taken == 1


def test_no_show_before_the_start_shows_the_refusal_in_the_row(client_for, supervisor, shift):
    signup = services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    response = client_for(supervisor).post(url("no-show", signup.pk), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "A no-show can be recorded once the shift has started." in response.text
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_a_supervisor_adds_a_walk_in_by_email(client_for, supervisor, make_shift):
    shift = make_shift(days=-0.05)
    person = PersonFactory(email="Walk.In@Example.org")

    response = client_for(supervisor).post(
        url("roster-walk-in", shift.pk), {"email": "walk.in@example.ORG", "override_reason": ""}
    )

    assert response.status_code == 302
    signup = SignUp.objects.get(shift=shift, person=person)
    assert (signup.status, signup.source) == ("attended", "walk_in")
    assert HoursEntry.objects.filter(signup=signup).exists()


def test_an_unknown_email_is_shown_on_the_field(client_for, supervisor, make_shift):
    shift = make_shift(days=-0.05)

    response = client_for(supervisor).post(
        url("roster-walk-in", shift.pk), {"email": "nobody@example.org"}
    )

    assert response.status_code == 422
    assert "No one with this e-mail address is in the registry." in response.text
    assert not SignUp.objects.exists()


def test_a_walk_in_on_a_full_shift_shows_the_capacity_message(client_for, supervisor, make_shift):
    shift = make_shift(days=-0.05, capacity=1)
    seat(shift, PersonFactory())
    latecomer = PersonFactory()

    response = client_for(supervisor).post(
        url("roster-walk-in", shift.pk), {"email": latecomer.email}
    )

    assert response.status_code == 422
    assert "The shift is full (1 seats); raise its capacity to add a walk-in." in response.text
    assert not SignUp.objects.filter(person=latecomer).exists()


def test_a_supervisor_cannot_search_the_registry_from_the_roster(
    client_for, supervisor, coordinator, shift
):
    PersonFactory(given_name="Zebulon", family_name="Quixote")

    as_supervisor = client_for(supervisor).get(url("roster", shift.pk), {"q": "Quixote"})
    as_staff = client_for(coordinator).get(url("roster", shift.pk), {"q": "Quixote"})

    assert as_supervisor.status_code == 200
    assert "Zebulon" not in as_supervisor.text
    assert "person" not in as_supervisor.context["add_form"].fields
    assert "Zebulon Quixote" in as_staff.text


def test_staff_sign_someone_up_with_an_eligibility_override(
    client_for, coordinator, site, make_shift
):
    opportunity = Opportunity.objects.create(site=site, title="BLS desk")
    opportunity.credential_types.add(credential_type("bls"))
    shift = make_shift(opportunity=opportunity)
    person = PersonFactory(family_name="Nakamura")
    client = client_for(coordinator)

    refused = client.post(url("roster-sign-up", shift.pk), {"person": str(person.pk)})
    assert refused.status_code == 422
    assert "Basic Life Support (BLS) is not on file" in refused.text
    assert not SignUp.objects.exists()

    response = client.post(
        url("roster-sign-up", shift.pk),
        {"person": str(person.pk), "override_reason": "Card seen at the door"},
    )

    assert response.status_code == 302
    signup = SignUp.objects.get(person=person)
    assert (signup.status, signup.source) == ("confirmed", "staff")
    assert signup.override_reason == "Card seen at the door"
    assert AuditEntry.objects.filter(action="volunteering.signup.eligibility_overridden").exists()


def test_a_supervisor_signs_up_by_email_and_a_full_shift_waitlists(
    client_for, supervisor, make_shift
):
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    person = PersonFactory()

    client = client_for(supervisor)

    response = client.post(url("roster-sign-up", shift.pk), {"email": person.email})

    assert response.status_code == 302
    signup = SignUp.objects.get(person=person)
    assert (signup.status, signup.waitlist_position) == ("waitlisted", 1)
    follow = client.get(response["Location"])
    assert "is number 1 on the waitlist" in " ".join(messages_of(follow))


# -- admin ----------------------------------------------------------------------------------------


def test_the_admin_lists_volunteering_and_places_models(client_for, make_user, shift):
    admin = make_user(Role.OFFICE_ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = client_for(admin)

    for model in (
        "places/area",
        "places/site",
        "volunteering/credentialtype",
        "volunteering/opportunity",
        "volunteering/shift",
        "volunteering/signup",
        "volunteering/hoursentry",
        "volunteering/credential",
    ):
        assert client.get(f"/admin/{model}/").status_code == 200, model
    assert client.get("/admin/volunteering/shift/add/").status_code == 403
    assert client.get("/admin/volunteering/credentialtype/add/").status_code == 200


def test_a_site_saved_in_the_admin_goes_through_the_service(client_for, make_user):
    admin = make_user(Role.OFFICE_ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()

    response = client_for(admin).post(
        "/admin/places/site/add/",
        {
            "name": "Admin Clinic",
            "kind": "clinic",
            "city": "St. Louis",
            "state": "MO",
            "zip_code": "63110",
            "timezone": "America/Chicago",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert Site.objects.filter(name="Admin Clinic").exists()
    assert AuditEntry.objects.filter(action="volunteering.site.created").exists()


def test_every_manage_page_renders_for_office_staff(client_for, coordinator, site, shift):
    client = client_for(coordinator)
    opportunity = shift.opportunity

    for path in (
        url("manage"),
        url("site-create"),
        url("site-manage", site.pk),
        url("site-edit", site.pk),
        url("opportunity-create", site.pk),
        url("opportunity-edit", opportunity.pk),
        url("shift-create", opportunity.pk),
        url("shift-edit", shift.pk),
        url("shift-cancel", shift.pk),
        url("roster", shift.pk),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text.count("<h1") == 1, path
        assert "style=" not in response.text and "<script>" not in response.text, path


def test_a_series_with_notes_is_refused_because_notes_are_per_shift(
    client_for, coordinator, opportunity
):
    response = client_for(coordinator).post(
        url("shift-create", opportunity.pk),
        shift_form(repeats="weekly", weekdays=["SA"], count="3", notes="Bring a badge"),
    )

    assert response.status_code == 422
    assert response.context["form"].errors["notes"]
    assert not Shift.objects.exists()


def test_the_site_orientation_is_a_checkbox_of_its_own_not_a_credential(
    client_for, coordinator, site
):
    response = client_for(coordinator).get(url("opportunity-create", site.pk))

    choices = response.context["form"].fields["credential_types"].queryset
    assert credential_type("hipaa") in choices
    assert credential_type("site-orientation") not in choices
    assert 'name="requires_orientation"' in response.text
