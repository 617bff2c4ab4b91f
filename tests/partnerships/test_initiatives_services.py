"""Initiative and metric services: every branch, with the audit entries they write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships import services_initiatives as services
from equityhub.partnerships.models import (
    Initiative,
    InitiativePartner,
    Membership,
    Metric,
    MetricValue,
    NeedsPriority,
)
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory
from tests.partnerships.conftest import focus, population, zcta

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 15)
S = Initiative.Status


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def last_entry() -> AuditEntry:
    return AuditEntry.objects.latest("id")


@pytest.fixture
def joined(partner_initiative: Initiative, other_org: Organization) -> Initiative:
    """`partner_initiative` with `other_org` taking part (so `other_partner` may report)."""
    InitiativePartner.objects.create(initiative=partner_initiative, organization=other_org)
    return partner_initiative


@pytest.fixture
def metric(partner_initiative: Initiative) -> Metric:
    return Metric.objects.create(
        initiative=partner_initiative, name="People screened", kind=Metric.Kind.SCREENINGS
    )


@pytest.fixture
def hospital() -> Organization:
    return OrganizationFactory(name="Barnes Regional Hospital", kind="health_system")


# -- create_initiative ------------------------------------------------------------------------


def test_staff_create_an_initiative_with_any_lead_and_its_sets(
    coordinator: User, other_org: Organization, areas: Any, hospital: Organization
) -> None:
    priority = NeedsPriority.objects.create(organization=hospital, year=2024, title="Cancer")
    initiative = services.create_initiative(
        actor=coordinator,
        title="  Eastside Mammography Van ",
        lead_organization=other_org,
        status=S.ACTIVE,
        summary="Mobile screening.",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 1, 1),
        funding_amount=Decimal("25000.00"),
        funding_source="Foundation",
        website="https://example.org/van",
        focus_areas=[focus("cancer_screening"), focus("cancer_screening")],
        populations=[population("uninsured")],
        areas=[areas["63106"], areas["63107"]],
        needs_priorities=[priority],
    )
    assert initiative.title == "Eastside Mammography Van"
    assert initiative.created_by == coordinator
    assert [f.code for f in initiative.focus_areas.all()] == ["cancer_screening"]
    assert initiative.areas.count() == 2
    entry = last_entry()
    assert entry.action == "partnerships.initiative.created"
    assert entry.data["focus_areas"] == ["cancer_screening"]
    assert entry.data["populations"] == ["uninsured"]
    assert entry.data["needs_priorities"] == [priority.pk]
    assert entry.data["funding_amount"] == "25000.00"


def test_a_partner_user_creates_an_initiative_led_by_their_organization(
    partner: User, partner_org: Organization
) -> None:
    initiative = services.create_initiative(
        actor=partner, title="Block nurse visits", lead_organization=partner_org
    )
    assert initiative.status == S.PLANNING
    assert initiative.lead_organization == partner_org


def test_a_partner_user_cannot_create_an_initiative_led_by_another_organization(
    partner: User, other_org: Organization
) -> None:
    with pytest.raises(NotAllowed):
        services.create_initiative(actor=partner, title="Theirs", lead_organization=other_org)
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_people_outside_the_consortium_cannot_create_initiatives(
    who: str, request: pytest.FixtureRequest, partner_org: Organization
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.create_initiative(actor=user, title="X", lead_organization=partner_org)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"starts_on": dt.date(2025, 5, 1), "ends_on": dt.date(2025, 4, 30)}, "ends_on"),
        ({"funding_amount": Decimal("-1")}, "funding_amount"),
        ({"funding_amount": Decimal("NaN")}, "funding_amount"),
        ({"funding_amount": "lots"}, "funding_amount"),
        ({"funding_amount": Decimal("1e12")}, "funding_amount"),
        ({"website": "not a url"}, "website"),
        ({"status": "cancelled"}, "status"),
        ({"title": "x" * 201}, "title"),
        ({"focus_areas": ["cancer_screening"]}, "focus_areas"),
    ],
)
def test_an_invalid_initiative_is_refused_naming_the_field(
    coordinator: User, partner_org: Organization, fields: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"title": "Valid", **fields}
    with pytest.raises(ServiceError) as error:
        services.create_initiative(actor=coordinator, lead_organization=partner_org, **values)
    assert error.value.field == field
    assert not Initiative.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="partnerships.").exists()


def test_an_initiative_may_end_on_the_day_it_starts_and_be_unfunded(
    coordinator: User, partner_org: Organization
) -> None:
    day = dt.date(2025, 5, 1)
    initiative = services.create_initiative(
        actor=coordinator,
        title="One day fair",
        lead_organization=partner_org,
        starts_on=day,
        ends_on=day,
        funding_amount=Decimal(0),
    )
    assert initiative.funding_amount == 0


# -- update_initiative ------------------------------------------------------------------------


def test_the_leads_partner_user_updates_details_and_sets_with_an_audit_of_the_changes(
    partner: User, partner_initiative: Initiative, areas: Any
) -> None:
    services.update_initiative(
        actor=partner,
        initiative=partner_initiative,
        title="Northside Screening Days",
        summary=" Saturdays ",
        funding_amount=1500,
        focus_areas=[focus("cancer_screening"), focus("access_to_care")],
        areas=[areas["63105"]],
    )
    partner_initiative.refresh_from_db()
    assert partner_initiative.summary == "Saturdays"
    assert partner_initiative.funding_amount == Decimal(1500)
    assert sorted(partner_initiative.focus_areas.values_list("code", flat=True)) == [
        "access_to_care",
        "cancer_screening",
    ]
    entry = last_entry()
    assert entry.action == "partnerships.initiative.updated"
    assert entry.changes["title"] == ["Northside Cancer Screening Days", "Northside Screening Days"]
    assert entry.changes["focus_areas"] == [
        ["cancer_screening"],
        ["access_to_care", "cancer_screening"],
    ]
    assert entry.changes["areas"] == [[zcta("63106").pk], [areas["63105"].pk]]


def test_an_update_that_changes_nothing_writes_no_audit_entry(
    partner: User, partner_initiative: Initiative
) -> None:
    services.update_initiative(
        actor=partner, initiative=partner_initiative, title=partner_initiative.title
    )
    assert not AuditEntry.objects.filter(action="partnerships.initiative.updated").exists()


def test_a_participating_organizations_user_cannot_edit_the_initiative(
    other_partner: User, joined: Initiative
) -> None:
    with pytest.raises(NotAllowed):
        services.update_initiative(actor=other_partner, initiative=joined, title="Mine now")


def test_another_organizations_user_cannot_edit_the_initiative(
    other_partner: User, partner_initiative: Initiative
) -> None:
    with pytest.raises(NotAllowed):
        services.update_initiative(actor=other_partner, initiative=partner_initiative, title="X")


def test_an_unknown_field_is_refused(coordinator: User, partner_initiative: Initiative) -> None:
    with pytest.raises(ServiceError, match="Unknown field: created_by"):
        services.update_initiative(
            actor=coordinator, initiative=partner_initiative, created_by=coordinator
        )


def test_an_invalid_update_is_refused_and_nothing_is_saved(
    coordinator: User, partner_initiative: Initiative
) -> None:
    with pytest.raises(ServiceError) as error:
        services.update_initiative(
            actor=coordinator,
            initiative=partner_initiative,
            starts_on=dt.date(2025, 3, 1),
            ends_on=dt.date(2025, 2, 1),
        )
    assert error.value.field == "ends_on"
    partner_initiative.refresh_from_db()
    assert partner_initiative.starts_on is None


def test_a_partner_user_may_complete_an_initiative_but_not_reopen_it(
    partner: User, partner_initiative: Initiative
) -> None:
    services.update_initiative(actor=partner, initiative=partner_initiative, status=S.COMPLETED)
    with pytest.raises(NotAllowed, match="reopen"):
        services.update_initiative(actor=partner, initiative=partner_initiative, status=S.ACTIVE)
    partner_initiative.refresh_from_db()
    assert partner_initiative.status == S.COMPLETED
    # Other changes to a completed initiative remain open to its lead.
    services.update_initiative(
        actor=partner, initiative=partner_initiative, status=S.COMPLETED, summary="Done."
    )


@pytest.mark.parametrize("status", [S.PLANNING, S.ACTIVE, S.PAUSED])
def test_staff_may_move_an_initiative_out_of_completed(
    coordinator: User, partner_initiative: Initiative, status: str
) -> None:
    partner_initiative.status = S.COMPLETED
    partner_initiative.save()
    services.update_initiative(actor=coordinator, initiative=partner_initiative, status=status)
    partner_initiative.refresh_from_db()
    assert partner_initiative.status == status


@pytest.mark.parametrize(
    ("start", "end"),
    [(S.PLANNING, S.PAUSED), (S.PAUSED, S.ACTIVE), (S.ACTIVE, S.PLANNING), (S.ACTIVE, S.COMPLETED)],
)
def test_any_other_status_change_is_open_to_the_lead(
    partner: User, partner_initiative: Initiative, start: str, end: str
) -> None:
    partner_initiative.status = start
    partner_initiative.save()
    services.update_initiative(actor=partner, initiative=partner_initiative, status=end)
    partner_initiative.refresh_from_db()
    assert partner_initiative.status == end


def test_the_lead_cannot_be_handed_to_an_organization_taking_part(
    coordinator: User, joined: Initiative, other_org: Organization
) -> None:
    with pytest.raises(Conflict) as error:
        services.update_initiative(
            actor=coordinator, initiative=joined, lead_organization=other_org
        )
    assert error.value.field == "lead_organization"


def test_staff_may_hand_the_lead_to_any_other_organization(
    coordinator: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    before = partner_initiative.lead_organization_id
    services.update_initiative(
        actor=coordinator, initiative=partner_initiative, lead_organization=other_org
    )
    assert last_entry().changes["lead_organization_id"] == [before, other_org.pk]


def test_a_partner_user_cannot_hand_the_lead_to_another_organization(
    partner: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    with pytest.raises(NotAllowed):
        services.update_initiative(
            actor=partner, initiative=partner_initiative, lead_organization=other_org
        )


def test_the_lead_cannot_be_removed_or_be_something_else(
    coordinator: User, partner_initiative: Initiative
) -> None:
    with pytest.raises(ServiceError) as error:
        services.update_initiative(
            actor=coordinator, initiative=partner_initiative, lead_organization=None
        )
    assert error.value.field == "lead_organization"
    with pytest.raises(ServiceError):
        services.update_initiative(
            actor=coordinator, initiative=partner_initiative, lead_organization="Someone"
        )


# -- partners ---------------------------------------------------------------------------------


def test_the_lead_adds_and_removes_a_partner_organization_with_audit_entries(
    partner: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    added = services.add_partner(
        actor=partner,
        initiative=partner_initiative,
        organization=other_org,
        role=InitiativePartner.Role.EVALUATOR,
    )
    assert added.role == InitiativePartner.Role.EVALUATOR
    assert last_entry().action == "partnerships.initiative.partner_added"
    assert last_entry().data == {
        "partner_id": added.pk,
        "organization_id": other_org.pk,
        "role": "evaluator",
    }
    services.remove_partner(actor=partner, partner=added)
    assert not InitiativePartner.objects.exists()
    assert last_entry().action == "partnerships.initiative.partner_removed"


def test_the_lead_cannot_also_be_a_partner(
    partner: User, partner_initiative: Initiative, partner_org: Organization
) -> None:
    with pytest.raises(Conflict) as error:
        services.add_partner(actor=partner, initiative=partner_initiative, organization=partner_org)
    assert error.value.field == "organization"


def test_an_organization_takes_part_only_once(
    coordinator: User, joined: Initiative, other_org: Organization
) -> None:
    with pytest.raises(Conflict, match="already takes part"):
        services.add_partner(actor=coordinator, initiative=joined, organization=other_org)
    assert InitiativePartner.objects.count() == 1


def test_an_unknown_partner_role_is_refused(
    coordinator: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    with pytest.raises(ServiceError) as error:
        services.add_partner(
            actor=coordinator, initiative=partner_initiative, organization=other_org, role="boss"
        )
    assert error.value.field == "role"


def test_a_participating_organizations_user_cannot_change_the_partners(
    other_partner: User, joined: Initiative, office_org: Organization
) -> None:
    with pytest.raises(NotAllowed):
        services.add_partner(actor=other_partner, initiative=joined, organization=office_org)
    with pytest.raises(NotAllowed):
        services.remove_partner(actor=other_partner, partner=joined.partners.get())
    assert joined.partners.count() == 1


# -- metrics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "counts"),
    [
        ("people_reached", True),
        ("screenings", True),
        ("referrals", True),
        ("enrollments", True),
        ("events", False),
        ("other", False),
    ],
)
def test_counts_people_defaults_from_the_kind(
    partner: User, partner_initiative: Initiative, kind: str, counts: bool
) -> None:
    metric = services.define_metric(
        actor=partner, initiative=partner_initiative, name=f"Metric {kind}", kind=kind
    )
    assert metric.counts_people is counts
    entry = last_entry()
    assert entry.action == "partnerships.metric.created"
    assert entry.data["initiative_id"] == partner_initiative.pk
    assert entry.data["counts_people"] is counts


def test_another_count_may_be_marked_as_counting_people(
    partner: User, partner_initiative: Initiative
) -> None:
    metric = services.define_metric(
        actor=partner,
        initiative=partner_initiative,
        name="Households visited",
        kind=Metric.Kind.OTHER,
        counts_people=True,
        description=" per household ",
    )
    assert metric.counts_people is True
    assert metric.description == "per household"


def test_a_people_kind_cannot_be_marked_as_not_counting_people(
    partner: User, partner_initiative: Initiative
) -> None:
    with pytest.raises(ServiceError) as error:
        services.define_metric(
            actor=partner,
            initiative=partner_initiative,
            name="Reached",
            kind=Metric.Kind.PEOPLE_REACHED,
            counts_people=False,
        )
    assert error.value.field == "counts_people"


def test_a_metric_name_is_unique_per_initiative_in_any_case(
    partner: User, partner_initiative: Initiative, metric: Metric, other_initiative: Initiative
) -> None:
    with pytest.raises(Conflict) as error:
        services.define_metric(
            actor=partner, initiative=partner_initiative, name="people SCREENED", kind="screenings"
        )
    assert error.value.field == "name"
    # Another initiative may use the same name.
    Metric.objects.create(initiative=other_initiative, name="People screened", kind="screenings")


@pytest.mark.parametrize(("name", "kind", "field"), [(" ", "events", "name"), ("A", "x", "kind")])
def test_a_metric_needs_a_name_and_a_known_kind(
    coordinator: User, partner_initiative: Initiative, name: str, kind: str, field: str
) -> None:
    with pytest.raises(ServiceError) as error:
        services.define_metric(
            actor=coordinator, initiative=partner_initiative, name=name, kind=kind
        )
    assert error.value.field == field


def test_a_participating_organizations_user_cannot_define_or_change_metrics(
    other_partner: User, joined: Initiative
) -> None:
    metric = Metric.objects.create(initiative=joined, name="Reached", kind="people_reached")
    with pytest.raises(NotAllowed):
        services.define_metric(actor=other_partner, initiative=joined, name="Mine", kind="events")
    with pytest.raises(NotAllowed):
        services.update_metric(actor=other_partner, metric=metric, name="Renamed")
    with pytest.raises(NotAllowed):
        services.deactivate_metric(actor=other_partner, metric=metric)


def test_updating_a_metric_records_old_and_new_values(partner: User, metric: Metric) -> None:
    services.update_metric(actor=partner, metric=metric, name="Mammograms", description="Each")
    entry = last_entry()
    assert entry.action == "partnerships.metric.updated"
    assert entry.changes == {
        "name": ["People screened", "Mammograms"],
        "description": ["", "Each"],
    }


def test_a_new_kind_takes_its_default_unless_counts_people_is_given(
    partner: User, metric: Metric
) -> None:
    services.update_metric(actor=partner, metric=metric, kind=Metric.Kind.EVENTS)
    assert metric.counts_people is False
    services.update_metric(actor=partner, metric=metric, kind=Metric.Kind.OTHER, counts_people=True)
    assert metric.counts_people is True
    services.update_metric(actor=partner, metric=metric, kind=Metric.Kind.REFERRALS)
    assert metric.counts_people is True
    with pytest.raises(ServiceError):
        services.update_metric(actor=partner, metric=metric, counts_people=False)


def test_a_metric_update_with_no_change_writes_no_audit_entry(
    partner: User, metric: Metric
) -> None:
    services.update_metric(actor=partner, metric=metric, name="People screened")
    assert "partnerships.metric.updated" not in actions()


def test_a_metric_cannot_take_another_metrics_name_or_an_unknown_field(
    partner: User, metric: Metric
) -> None:
    Metric.objects.create(initiative=metric.initiative, name="Referrals", kind="referrals")
    with pytest.raises(Conflict):
        services.update_metric(actor=partner, metric=metric, name="referrals")
    with pytest.raises(ServiceError, match="Unknown field"):
        services.update_metric(actor=partner, metric=metric, initiative=None)


def test_deactivating_a_metric_is_audited_and_done_once(partner: User, metric: Metric) -> None:
    services.deactivate_metric(actor=partner, metric=metric)
    metric.refresh_from_db()
    assert metric.is_active is False
    assert last_entry().action == "partnerships.metric.deactivated"
    with pytest.raises(Conflict):
        services.deactivate_metric(actor=partner, metric=metric)
    services.update_metric(actor=partner, metric=metric, is_active=True)
    assert metric.is_active is True


# -- reported values --------------------------------------------------------------------------


def report(actor: User, metric: Metric, **fields: Any) -> tuple[MetricValue, bool]:
    values: dict[str, Any] = {
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 3, 31),
        "value": 42,
        **fields,
    }
    return services.report_metric_value(actor=actor, metric=metric, **values)


def test_reporting_a_value_creates_it_with_an_audit_entry(partner: User, metric: Metric) -> None:
    value, created = report(partner, metric, note=" first quarter ")
    assert created is True
    assert value.reported_by == partner
    assert value.note == "first quarter"
    entry = last_entry()
    assert entry.action == "partnerships.metric_value.reported"
    assert entry.data == {
        "metric_id": metric.pk,
        "period_start": "2025-01-01",
        "period_end": "2025-03-31",
        "area_id": None,
        "value": 42,
        "note": "first quarter",
    }


def test_reporting_again_for_the_same_period_and_area_corrects_the_value(
    partner: User, other_partner: User, joined: Initiative
) -> None:
    metric = Metric.objects.create(initiative=joined, name="Reached", kind="people_reached")
    first, _created = report(partner, metric, value=40)
    second, created = report(other_partner, metric, value=45, period_end=dt.date(2025, 2, 28))
    assert created is False
    assert second.pk == first.pk
    assert MetricValue.objects.get().value == 45
    assert second.reported_by == other_partner
    entry = last_entry()
    assert entry.action == "partnerships.metric_value.updated"
    assert entry.changes == {"value": [40, 45], "period_end": ["2025-03-31", "2025-02-28"]}


def test_reporting_the_same_value_again_changes_nothing(partner: User, metric: Metric) -> None:
    report(partner, metric)
    count = AuditEntry.objects.count()
    _value, created = report(partner, metric)
    assert created is False
    assert AuditEntry.objects.count() == count


def test_a_value_per_area_and_one_for_the_whole_initiative_are_kept_apart(
    partner: User, metric: Metric
) -> None:
    report(partner, metric, value=30)
    _value, created = report(partner, metric, value=12, area=zcta("63106"))
    assert created is True
    assert MetricValue.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_end": dt.date(2024, 12, 31)}, "period_end"),
        ({"period_start": dt.date(2024, 1, 1), "period_end": dt.date(2025, 1, 1)}, "period_end"),
        (
            {"period_start": dt.date(2025, 6, 16), "period_end": dt.date(2025, 6, 30)},
            "period_start",
        ),
        ({"value": -1}, "value"),
        ({"value": True}, "value"),
        ({"value": 4.5}, "value"),
        ({"value": "12"}, "value"),
        ({"value": services.MAX_VALUE + 1}, "value"),
        ({"note": "x" * (services.MAX_NOTE + 1)}, "note"),
        ({"area": "not-an-area"}, "area"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_field(
    partner: User, metric: Metric, fields: dict[str, Any], field: str
) -> None:
    if fields.get("area") == "not-an-area":
        fields = {"area": zcta("63105")}  # an area the initiative does not serve
    with pytest.raises(ServiceError) as error:
        report(partner, metric, **fields)
    assert error.value.field == field
    assert not MetricValue.objects.exists()


def test_a_period_may_be_a_whole_leap_year_and_start_today(partner: User, metric: Metric) -> None:
    report(partner, metric, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31))
    report(partner, metric, period_start=TODAY, period_end=dt.date(2025, 6, 30), value=0)
    assert MetricValue.objects.count() == 2


def test_overlapping_periods_of_the_same_area_are_refused(partner: User, metric: Metric) -> None:
    report(partner, metric)
    with pytest.raises(Conflict) as error:
        report(partner, metric, period_start=dt.date(2025, 3, 1), period_end=dt.date(2025, 4, 30))
    assert error.value.field == "period_start"
    # The same period for an area is another series.
    report(
        partner,
        metric,
        period_start=dt.date(2025, 3, 1),
        period_end=dt.date(2025, 4, 30),
        area=zcta("63106"),
    )


def test_a_metric_no_longer_reported_takes_corrections_but_no_new_values(
    partner: User, metric: Metric
) -> None:
    report(partner, metric, value=10)
    metric.is_active = False
    metric.save()
    value, created = report(partner, metric, value=11)
    assert (value.value, created) == (11, False)
    with pytest.raises(Conflict):
        report(partner, metric, period_start=dt.date(2025, 4, 1), period_end=dt.date(2025, 4, 30))


def test_a_participating_organizations_user_reports_values(
    other_partner: User, joined: Initiative
) -> None:
    metric = Metric.objects.create(initiative=joined, name="Reached", kind="people_reached")
    _value, created = report(other_partner, metric)
    assert created


@pytest.mark.parametrize("who", ["other_partner", "member", "outsider", "leadership"])
def test_others_cannot_report_or_delete_values(
    who: str, request: pytest.FixtureRequest, partner: User, metric: Metric
) -> None:
    value, _created = report(partner, metric)
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        report(user, metric, value=1)
    with pytest.raises(NotAllowed):
        services.delete_metric_value(actor=user, value=value)
    assert MetricValue.objects.get().value == 42


def test_deleting_a_value_is_audited_with_the_value(partner: User, metric: Metric) -> None:
    value, _created = report(partner, metric)
    services.delete_metric_value(actor=partner, value=value)
    assert not MetricValue.objects.exists()
    entry = last_entry()
    assert entry.action == "partnerships.metric_value.deleted"
    assert entry.data["value"] == 42


def test_staff_do_everything(
    admin_user: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    metric = services.define_metric(
        actor=admin_user, initiative=partner_initiative, name="Events", kind="events"
    )
    value, _created = report(admin_user, metric)
    services.delete_metric_value(actor=admin_user, value=value)
    partner_row = services.add_partner(
        actor=admin_user, initiative=partner_initiative, organization=other_org
    )
    services.remove_partner(actor=admin_user, partner=partner_row)
    services.deactivate_metric(actor=admin_user, metric=metric)


def test_membership_is_not_needed_to_lead(
    coordinator: User, make_initiative: Callable[..., Initiative]
) -> None:
    outside = OrganizationFactory(name="Neighborhood school")
    assert not Membership.objects.filter(organization=outside).exists()
    initiative = services.create_initiative(
        actor=coordinator, title="After-school health club", lead_organization=outside
    )
    assert initiative.pk


# -- far-off periods and concurrent edits (review fixes) --------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(9999, 1, 1), dt.date(9999, 12, 31), "period_start"),
        (dt.date(9999, 12, 31), dt.date(9999, 12, 31), "period_start"),
        (dt.date(2025, 1, 1), dt.date(9999, 12, 31), "period_end"),
        (dt.date(1, 1, 1), dt.date(1, 3, 31), "period_start"),
        (dt.date(1899, 12, 31), dt.date(1900, 3, 31), "period_start"),
        (dt.date(1900, 1, 1), dt.date(1, 1, 1), "period_end"),
    ],
)
def test_a_period_far_in_the_future_or_past_is_refused_naming_the_field(
    partner: User, metric: Metric, start: dt.date, end: dt.date, field: str
) -> None:
    with pytest.raises(ServiceError) as error:
        report(partner, metric, period_start=start, period_end=end)
    assert error.value.field == field
    assert not MetricValue.objects.exists()


def test_a_period_of_exactly_a_year_from_a_leap_day_is_refused_and_a_day_less_taken(
    partner: User, metric: Metric
) -> None:
    with pytest.raises(ServiceError, match="at most one year") as error:
        report(partner, metric, period_start=dt.date(2024, 2, 29), period_end=dt.date(2025, 2, 28))
    assert error.value.field == "period_end"
    report(partner, metric, period_start=dt.date(2024, 2, 29), period_end=dt.date(2025, 2, 27))
    report(partner, metric, period_start=dt.date(1900, 1, 1), period_end=dt.date(1900, 12, 31))
    assert MetricValue.objects.count() == 2


def test_two_updates_of_different_fields_through_stale_objects_both_survive(
    partner: User, coordinator: User, partner_initiative: Initiative
) -> None:
    first = Initiative.objects.get(pk=partner_initiative.pk)
    second = Initiative.objects.get(pk=partner_initiative.pk)
    services.update_initiative(actor=partner, initiative=first, summary="Saturdays")
    services.update_initiative(actor=coordinator, initiative=second, funding_source="City fund")
    partner_initiative.refresh_from_db()
    assert partner_initiative.summary == "Saturdays"
    assert partner_initiative.funding_source == "City fund"
    # The caller's object follows what was written, the other change included.
    assert second.summary == "Saturdays"
    assert second.funding_source == "City fund"
    entry = last_entry()
    assert entry.changes == {"funding_source": ["", "City fund"]}


def test_the_audit_of_an_update_through_a_stale_object_has_the_stored_before(
    partner: User, partner_initiative: Initiative
) -> None:
    stale = Initiative.objects.get(pk=partner_initiative.pk)
    services.update_initiative(actor=partner, initiative=partner_initiative, title="Screening A")
    services.update_initiative(actor=partner, initiative=stale, title="Screening B")
    assert last_entry().changes == {"title": ["Screening A", "Screening B"]}
    assert stale.title == "Screening B"


def test_an_update_through_a_stale_object_checks_the_stored_lead(
    partner: User, coordinator: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    stale = Initiative.objects.get(pk=partner_initiative.pk)
    services.update_initiative(
        actor=coordinator, initiative=partner_initiative, lead_organization=other_org
    )
    with pytest.raises(NotAllowed):
        services.update_initiative(actor=partner, initiative=stale, title="Taken back")
    partner_initiative.refresh_from_db()
    assert partner_initiative.lead_organization_id == other_org.pk


def test_the_callers_object_follows_a_new_lead_and_new_sets(
    coordinator: User, partner_initiative: Initiative, other_org: Organization, areas: Any
) -> None:
    loaded = Initiative.objects.prefetch_related("areas").get(pk=partner_initiative.pk)
    assert [area.code for area in loaded.areas.all()] == ["63106"]
    returned = services.update_initiative(
        actor=coordinator, initiative=loaded, lead_organization=other_org, areas=[areas["63105"]]
    )
    assert loaded.lead_organization == other_org
    assert loaded.lead_organization_id == other_org.pk
    assert [area.code for area in loaded.areas.all()] == ["63105"]
    assert returned.pk == loaded.pk
    assert loaded.updated_at == returned.updated_at


def test_two_metric_updates_of_different_fields_through_stale_objects_both_survive(
    partner: User, coordinator: User, metric: Metric
) -> None:
    first = Metric.objects.get(pk=metric.pk)
    second = Metric.objects.get(pk=metric.pk)
    services.update_metric(actor=partner, metric=first, name="Mammograms")
    services.update_metric(actor=coordinator, metric=second, description="One per person")
    metric.refresh_from_db()
    assert (metric.name, metric.description) == ("Mammograms", "One per person")
    assert (second.name, second.description) == ("Mammograms", "One per person")
    assert last_entry().changes == {"description": ["", "One per person"]}


def test_the_audit_of_a_metric_update_through_a_stale_object_has_the_stored_before(
    partner: User, metric: Metric
) -> None:
    stale = Metric.objects.get(pk=metric.pk)
    services.update_metric(actor=partner, metric=metric, kind=Metric.Kind.REFERRALS)
    services.update_metric(actor=partner, metric=stale, kind=Metric.Kind.ENROLLMENTS)
    assert last_entry().changes == {"kind": ["referrals", "enrollments"]}
    assert stale.kind == Metric.Kind.ENROLLMENTS
