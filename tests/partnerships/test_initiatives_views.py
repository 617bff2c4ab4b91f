"""Initiative and metric pages: staff, the lead's partner user, a participating organization's
partner user, another organization's partner user, member, outsider and leadership on each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.partnerships.models import Initiative, InitiativePartner, Metric, MetricValue
from equityhub.people.models import Organization
from tests.partnerships.conftest import focus, zcta

pytestmark = pytest.mark.django_db

HUGE_ID = 2**63
HX = {"HTTP_HX_REQUEST": "true"}
MakeInitiative = Callable[..., Initiative]
ClientFor = Callable[[User], Client]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def url(name: str, *args: object) -> str:
    return reverse(f"partnerships:{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def metric(partner_initiative: Initiative) -> Metric:
    return Metric.objects.create(
        initiative=partner_initiative, name="Women screened", kind="screenings"
    )


@pytest.fixture
def other_metric(other_initiative: Initiative) -> Metric:
    return Metric.objects.create(initiative=other_initiative, name="Boxes", kind="events")


@pytest.fixture
def joined(partner_initiative: Initiative, other_org: Organization) -> InitiativePartner:
    """`other_org` takes part in `partner_initiative`: `other_partner` may report, not edit."""
    return InitiativePartner.objects.create(initiative=partner_initiative, organization=other_org)


def report_form(**fields: Any) -> dict[str, Any]:
    return {
        "period_start": "2025-01-01",
        "period_end": "2025-03-31",
        "area": "",
        "value": "42",
        "note": "",
        **fields,
    }


# -- who may see what ------------------------------------------------------------------------


def initiative_urls(initiative: Initiative, metric: Metric) -> list[str]:
    return [
        url("initiative_detail", initiative.pk),
        url("initiative_edit", initiative.pk),
        url("metric_new", initiative.pk),
        url("metric_edit", metric.pk),
        url("metric_report", metric.pk),
    ]


def test_another_organizations_initiative_and_metrics_answer_404_to_a_partner(
    client_for: ClientFor,
    partner: User,
    other_initiative: Initiative,
    other_metric: Metric,
) -> None:
    client = client_for(partner)
    value = MetricValue.objects.create(
        metric=other_metric,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        value=5,
    )
    partner_row = InitiativePartner.objects.create(
        initiative=other_initiative, organization=Organization.objects.create(name="Third")
    )
    for address in initiative_urls(other_initiative, other_metric):
        assert client.get(address).status_code == 404, address
    posts = [
        (url("initiative_edit", other_initiative.pk), {"title": "Mine"}),
        (url("initiative_partner_add", other_initiative.pk), {}),
        (url("initiative_partner_remove", partner_row.pk), {}),
        (url("metric_new", other_initiative.pk), {"name": "x", "kind": "events"}),
        (url("metric_edit", other_metric.pk), {"name": "x", "kind": "events"}),
        (url("metric_deactivate", other_metric.pk), {}),
        (url("metric_report", other_metric.pk), report_form()),
        (url("metric_value_delete", value.pk), {}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 404, address
    assert client.get(url("metric_report", other_metric.pk), {"edit": value.pk}).status_code == 404
    assert InitiativePartner.objects.filter(pk=partner_row.pk).exists()
    assert MetricValue.objects.filter(pk=value.pk).exists()
    other_metric.refresh_from_db()
    assert other_metric.name == "Boxes" and other_metric.is_active


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_people_outside_the_consortium_get_403_on_lists_and_404_on_records(
    who: str,
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    partner_initiative: Initiative,
    metric: Metric,
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("initiative_list")).status_code == 403
    assert client.get(url("initiative_new")).status_code == 403
    for address in initiative_urls(partner_initiative, metric):
        assert client.get(address).status_code == 404, address


def test_huge_ids_answer_404(client_for: ClientFor, coordinator: User) -> None:
    client = client_for(coordinator)
    for name in ("initiative_detail", "initiative_edit", "metric_new"):
        assert client.get(url(name, HUGE_ID)).status_code == 404
    for name in ("metric_edit", "metric_report"):
        assert client.get(url(name, HUGE_ID)).status_code == 404
    assert client.post(url("initiative_partner_remove", HUGE_ID)).status_code == 404
    assert client.post(url("metric_value_delete", HUGE_ID)).status_code == 404


def test_pages_need_a_signed_in_user(client: Client, partner_initiative: Initiative) -> None:
    response = client.get(url("initiative_detail", partner_initiative.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# -- the list --------------------------------------------------------------------------------


def test_staff_see_every_initiative_and_a_partner_their_organizations(
    client_for: ClientFor,
    coordinator: User,
    partner: User,
    partner_initiative: Initiative,
    other_initiative: Initiative,
) -> None:
    staff_page = client_for(coordinator).get(url("initiative_list")).content.decode()
    assert "Northside Cancer Screening Days" in staff_page
    assert "Eastside Produce Prescription" in staff_page
    partner_page = client_for(partner).get(url("initiative_list")).content.decode()
    assert "Northside Cancer Screening Days" in partner_page
    assert "Eastside Produce Prescription" not in partner_page


def test_a_participating_organization_lists_the_initiative(
    client_for: ClientFor, other_partner: User, partner_initiative: Initiative, joined: Any
) -> None:
    page = client_for(other_partner).get(url("initiative_list")).content.decode()
    assert "Northside Cancer Screening Days" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"focus_area": "food_access"}, ["Eastside Produce Prescription"]),
        ({"status": "paused"}, ["Paused pantry"]),
        ({"area": "63106"}, ["Northside Cancer Screening Days"]),
        ({"area": "63107"}, ["Eastside Produce Prescription", "Paused pantry"]),
        ({}, ["Eastside Produce Prescription", "Northside Cancer Screening Days", "Paused pantry"]),
    ],
)
def test_the_list_filters_by_focus_area_status_area_and_lead(  # noqa: PLR0917 - fixtures
    client_for: ClientFor,
    coordinator: User,
    partner_initiative: Initiative,
    other_initiative: Initiative,
    make_initiative: MakeInitiative,
    other_org: Organization,
    query: dict[str, str],
    expected: list[str],
) -> None:
    make_initiative(
        other_org,
        title="Paused pantry",
        status="paused",
        focus_codes=("housing",),
        area_codes=("63107",),
    )
    response = client_for(coordinator).get(url("initiative_list"), query)
    assert [i.title for i in response.context["initiatives"]] == expected


def test_the_list_filters_by_lead(
    client_for: ClientFor,
    coordinator: User,
    partner_initiative: Initiative,
    other_initiative: Initiative,
    other_org: Organization,
) -> None:
    response = client_for(coordinator).get(url("initiative_list"), {"lead": other_org.pk})
    assert [i.title for i in response.context["initiatives"]] == ["Eastside Produce Prescription"]


def test_an_unknown_filter_value_shows_everything_readable_with_the_error(
    client_for: ClientFor, partner: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    response = client_for(partner).get(url("initiative_list"), {"lead": other_org.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["lead"]
    assert [i.title for i in response.context["initiatives"]] == ["Northside Cancer Screening Days"]


def test_htmx_gets_only_the_results(
    client_for: ClientFor, coordinator: User, partner_initiative: Initiative
) -> None:
    response = client_for(coordinator).get(url("initiative_list"), {"status": "active"}, **HX)
    page = response.content.decode()
    assert "data-result-summary" in page
    assert "<html" not in page
    full = client_for(coordinator).get(url("initiative_list")).content.decode()
    assert 'hx-push-url="true"' in full


def test_the_list_takes_a_constant_number_of_queries(
    client_for: ClientFor,
    coordinator: User,
    make_initiative: MakeInitiative,
    other_org: Organization,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(coordinator)
    make_initiative(other_org, title="First")
    client.get(url("initiative_list"))
    with django_assert_max_num_queries(30) as captured:
        client.get(url("initiative_list"))
    count = len(captured.captured_queries)
    for i in range(10):
        initiative = make_initiative(
            other_org, title=f"More {i}", focus_codes=("food_access", "housing")
        )
        InitiativePartner.objects.create(
            initiative=initiative, organization=Organization.objects.create(name=f"Org {i}")
        )
    with django_assert_max_num_queries(count):
        client.get(url("initiative_list"))


# -- creating and editing --------------------------------------------------------------------


def initiative_form(lead: Organization, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Healthy Homes",
        "lead_organization": str(lead.pk),
        "status": "planning",
        "summary": "",
        "starts_on": "",
        "ends_on": "",
        "funding_amount": "",
        "funding_source": "",
        "website": "",
        "focus_areas": [str(focus("housing").pk)],
        "areas": [str(zcta("63106").pk)],
        **fields,
    }


def test_staff_add_an_initiative_with_any_lead(
    client_for: ClientFor, coordinator: User, other_org: Organization
) -> None:
    response = client_for(coordinator).post(url("initiative_new"), initiative_form(other_org))
    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("initiative_detail", initiative.pk)
    assert initiative.lead_organization == other_org
    assert [f.code for f in initiative.focus_areas.all()] == ["housing"]


def test_a_partner_may_only_lead_with_their_own_organization(
    client_for: ClientFor, partner: User, partner_org: Organization, other_org: Organization
) -> None:
    client = client_for(partner)
    page = client.get(url("initiative_new"))
    leads = list(page.context["form"].fields["lead_organization"].queryset)
    assert leads == [partner_org]
    assert page.context["form"].initial["lead_organization"] == partner_org.pk
    refused = client.post(url("initiative_new"), initiative_form(other_org))
    assert refused.status_code == 200
    assert refused.context["form"].errors["lead_organization"]
    assert not Initiative.objects.exists()
    assert client.post(url("initiative_new"), initiative_form(partner_org)).status_code == 302


def test_form_errors_are_shown_on_the_form(
    client_for: ClientFor, coordinator: User, partner_org: Organization
) -> None:
    response = client_for(coordinator).post(
        url("initiative_new"),
        initiative_form(partner_org, starts_on="2025-05-01", ends_on="2025-04-01"),
    )
    assert response.status_code == 200
    assert "The initiative cannot end before it starts." in response.content.decode()


def test_the_lead_edits_the_initiative(
    client_for: ClientFor, partner: User, partner_initiative: Initiative, partner_org: Organization
) -> None:
    client = client_for(partner)
    page = client.get(url("initiative_edit", partner_initiative.pk))
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "Northside Cancer Screening Days"
    response = client.post(
        url("initiative_edit", partner_initiative.pk),
        initiative_form(partner_org, title="Renamed", status="active"),
    )
    assert response.status_code == 302
    partner_initiative.refresh_from_db()
    assert partner_initiative.title == "Renamed"
    assert messages_of(client.get(response["Location"])) == ["The initiative was saved."]


def test_a_service_refusal_is_shown_on_the_edit_form(
    client_for: ClientFor, partner: User, partner_initiative: Initiative, partner_org: Organization
) -> None:
    partner_initiative.status = "completed"
    partner_initiative.save()
    response = client_for(partner).post(
        url("initiative_edit", partner_initiative.pk),
        initiative_form(partner_org, title="Reopened", status="active"),
    )
    assert response.status_code == 200
    assert "Only consortium staff may reopen a completed initiative." in response.content.decode()
    partner_initiative.refresh_from_db()
    assert (partner_initiative.title, partner_initiative.status) == (
        "Northside Cancer Screening Days",
        "completed",
    )


def test_a_participating_partner_reads_and_reports_but_cannot_edit(
    client_for: ClientFor,
    other_partner: User,
    partner_initiative: Initiative,
    metric: Metric,
    joined: InitiativePartner,
) -> None:
    client = client_for(other_partner)
    detail = client.get(url("initiative_detail", partner_initiative.pk))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert url("initiative_edit", partner_initiative.pk) not in page
    assert url("metric_report", metric.pk) in page
    assert url("metric_edit", metric.pk) not in page
    for address in (
        url("initiative_edit", partner_initiative.pk),
        url("metric_new", partner_initiative.pk),
        url("metric_edit", metric.pk),
    ):
        assert client.get(address).status_code == 403, address
    assert client.post(url("initiative_partner_remove", joined.pk)).status_code == 403
    assert client.post(url("metric_deactivate", metric.pk)).status_code == 403
    assert client.post(url("metric_report", metric.pk), report_form()).status_code == 302
    assert MetricValue.objects.get().reported_by == other_partner


# -- the initiative page ---------------------------------------------------------------------


def test_the_page_shows_details_partners_metrics_and_exact_values(
    client_for: ClientFor,
    partner: User,
    partner_initiative: Initiative,
    metric: Metric,
    joined: InitiativePartner,
) -> None:
    MetricValue.objects.create(
        metric=metric, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 3, 31), value=3
    )
    page = client_for(partner).get(url("initiative_detail", partner_initiative.pk)).content.decode()
    assert "Eastside Food Access Network" in page  # a partner
    assert "Women screened" in page
    assert '<td class="text-end">3</td>' in page  # exact, the initiative's own number
    assert "Cancer screening and prevention" in page
    assert url("initiative_partner_add", partner_initiative.pk) in page


def test_the_page_takes_a_constant_number_of_queries(
    client_for: ClientFor,
    partner: User,
    partner_initiative: Initiative,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(partner)

    def add(i: int) -> None:
        m = Metric.objects.create(initiative=partner_initiative, name=f"M{i}", kind="events")
        for month in range(1, 5):
            MetricValue.objects.create(
                metric=m,
                period_start=dt.date(2025, month, 1),
                period_end=dt.date(2025, month, 2),
                value=month,
                area=zcta("63106"),
            )
        InitiativePartner.objects.create(
            initiative=partner_initiative, organization=Organization.objects.create(name=f"P{i}")
        )

    add(0)
    client.get(url("initiative_detail", partner_initiative.pk))
    with django_assert_max_num_queries(40) as captured:
        client.get(url("initiative_detail", partner_initiative.pk))
    count = len(captured.captured_queries)
    for i in range(1, 6):
        add(i)
    with django_assert_max_num_queries(count):
        client.get(url("initiative_detail", partner_initiative.pk))


# -- partners --------------------------------------------------------------------------------


def test_the_lead_adds_and_removes_a_partner(
    client_for: ClientFor, partner: User, partner_initiative: Initiative, other_org: Organization
) -> None:
    client = client_for(partner)
    response = client.post(
        url("initiative_partner_add", partner_initiative.pk),
        {"organization": other_org.pk, "role": "evaluator"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#partners")
    row = InitiativePartner.objects.get()
    assert row.role == "evaluator"
    assert client.post(url("initiative_partner_remove", row.pk)).status_code == 302
    assert not InitiativePartner.objects.exists()
    assert AuditEntry.objects.filter(action="partnerships.initiative.partner_removed").exists()


def test_the_lead_cannot_be_added_as_a_partner_and_the_page_says_why(
    client_for: ClientFor,
    coordinator: User,
    partner_initiative: Initiative,
    partner_org: Organization,
) -> None:
    response = client_for(coordinator).post(
        url("initiative_partner_add", partner_initiative.pk),
        {"organization": partner_org.pk, "role": "partner"},
    )
    assert response.status_code == 200
    assert response.context["partner_form"].errors["organization"]


def test_partner_changes_are_posts(
    client_for: ClientFor, partner: User, partner_initiative: Initiative, joined: InitiativePartner
) -> None:
    client = client_for(partner)
    assert client.get(url("initiative_partner_add", partner_initiative.pk)).status_code == 405
    assert client.get(url("initiative_partner_remove", joined.pk)).status_code == 405


# -- metrics ---------------------------------------------------------------------------------


def test_the_lead_declares_edits_and_stops_a_metric(
    client_for: ClientFor, partner: User, partner_initiative: Initiative
) -> None:
    client = client_for(partner)
    assert client.get(url("metric_new", partner_initiative.pk)).status_code == 200
    response = client.post(
        url("metric_new", partner_initiative.pk),
        {"name": "Referrals made", "kind": "referrals", "description": ""},
    )
    assert response.status_code == 302
    metric = Metric.objects.get()
    assert metric.counts_people is True
    edit = client.get(url("metric_edit", metric.pk))
    assert edit.context["form"].initial["name"] == "Referrals made"
    response = client.post(
        url("metric_edit", metric.pk),
        {"name": "Events", "kind": "events", "counts_people": "", "is_active": "on"},
    )
    assert response.status_code == 302
    metric.refresh_from_db()
    assert (metric.name, metric.kind, metric.counts_people) == ("Events", "events", False)
    assert client.post(url("metric_deactivate", metric.pk)).status_code == 302
    metric.refresh_from_db()
    assert metric.is_active is False
    again = client.post(url("metric_deactivate", metric.pk), follow=True)
    assert "This metric is not reported any more already." in messages_of(again)


def test_a_duplicate_metric_name_is_shown_on_the_form(
    client_for: ClientFor, partner: User, partner_initiative: Initiative, metric: Metric
) -> None:
    response = client_for(partner).post(
        url("metric_new", partner_initiative.pk), {"name": "women SCREENED", "kind": "screenings"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    edit = client_for(partner).post(
        url(
            "metric_edit",
            Metric.objects.create(initiative=partner_initiative, name="B", kind="events").pk,
        ),
        {"name": "Women screened", "kind": "events"},
    )
    assert edit.status_code == 200
    assert edit.context["form"].errors["name"]


def test_reporting_a_value_then_correcting_it(
    client_for: ClientFor, partner: User, metric: Metric
) -> None:
    client = client_for(partner)
    page = client.get(url("metric_report", metric.pk))
    assert page.status_code == 200
    assert list(page.context["form"].fields["area"].queryset) == [zcta("63106")]
    response = client.post(url("metric_report", metric.pk), report_form(value="40"))
    assert response.status_code == 302
    assert messages_of(client.get(response["Location"])) == ["The value was reported."]
    value = MetricValue.objects.get()
    edit = client.get(url("metric_report", metric.pk), {"edit": value.pk})
    assert edit.context["form"].initial["value"] == 40
    assert edit.context["editing"] is True
    response = client.post(url("metric_report", metric.pk), report_form(value="44"))
    assert messages_of(client.get(response["Location"])) == ["The value was corrected."]
    value.refresh_from_db()
    assert value.value == 44


def test_a_value_for_one_area(client_for: ClientFor, partner: User, metric: Metric) -> None:
    response = client_for(partner).post(
        url("metric_report", metric.pk), report_form(area=str(zcta("63106").pk), value="7")
    )
    assert response.status_code == 302
    assert MetricValue.objects.get().area == zcta("63106")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"period_end": "2024-12-01"}, "The period cannot end before it starts."),
        ({"period_start": "2025-07-01", "period_end": "2025-07-31"}, "The period has not started"),
        ({"period_start": "2024-01-01", "period_end": "2025-01-01"}, "at most one year long"),
        ({"value": "-3"}, "greater than or equal to 0"),
    ],
)
def test_report_errors_are_shown_on_the_form(
    client_for: ClientFor, partner: User, metric: Metric, fields: dict[str, str], message: str
) -> None:
    response = client_for(partner).post(url("metric_report", metric.pk), report_form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MetricValue.objects.exists()


def test_a_value_of_another_metric_cannot_be_edited_through_this_one(
    client_for: ClientFor, partner: User, metric: Metric, partner_initiative: Initiative
) -> None:
    second = Metric.objects.create(initiative=partner_initiative, name="Second", kind="events")
    value = MetricValue.objects.create(
        metric=second, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 2), value=1
    )
    assert (
        client_for(partner).get(url("metric_report", metric.pk), {"edit": value.pk}).status_code
        == 404
    )


def test_deleting_a_value(client_for: ClientFor, partner: User, metric: Metric) -> None:
    value = MetricValue.objects.create(
        metric=metric, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 2), value=1
    )
    response = client_for(partner).post(url("metric_value_delete", value.pk))
    assert response.status_code == 302
    assert response["Location"] == url("metric_report", metric.pk)
    assert not MetricValue.objects.exists()


def test_staff_report_on_any_initiative(
    client_for: ClientFor, make_user: Callable[..., User], other_metric: Metric
) -> None:
    admin = make_user(Role.OFFICE_ADMIN)
    response = client_for(admin).post(url("metric_report", other_metric.pk), report_form())
    assert response.status_code == 302


# -- values that once made a 500 (review fixes) ----------------------------------------------

OVERFLOWING = ["99999999999999999999", "-99999999999999999999", str(HUGE_ID)]


@pytest.mark.parametrize("value", OVERFLOWING)
@pytest.mark.parametrize("field", ["focus_areas", "populations", "areas", "needs_priorities"])
def test_a_huge_id_in_a_multiple_choice_is_an_invalid_choice_on_the_form(
    client_for: ClientFor, coordinator: User, partner_org: Organization, field: str, value: str
) -> None:
    response = client_for(coordinator).post(
        url("initiative_new"), initiative_form(partner_org, **{field: [value]})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()[field]
    assert [error.code for error in errors] == ["invalid_choice"]
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("value", OVERFLOWING)
def test_a_huge_id_on_the_edit_form_re_renders_it(
    client_for: ClientFor,
    partner: User,
    partner_initiative: Initiative,
    partner_org: Organization,
    value: str,
) -> None:
    response = client_for(partner).post(
        url("initiative_edit", partner_initiative.pk),
        initiative_form(partner_org, areas=[str(zcta("63106").pk), value]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["areas"]


@pytest.mark.parametrize("value", OVERFLOWING)
def test_a_huge_id_in_a_single_choice_is_an_invalid_choice_too(  # noqa: PLR0917 - fixtures
    client_for: ClientFor,
    partner: User,
    partner_initiative: Initiative,
    partner_org: Organization,
    metric: Metric,
    value: str,
) -> None:
    client = client_for(partner)
    lead = client.post(url("initiative_new"), initiative_form(partner_org, lead_organization=value))
    assert lead.status_code == 200
    assert lead.context["form"].errors["lead_organization"]
    partner_add = client.post(
        url("initiative_partner_add", partner_initiative.pk),
        {"organization": value, "role": "partner"},
    )
    assert partner_add.status_code == 200
    assert partner_add.context["partner_form"].errors["organization"]
    area = client.post(url("metric_report", metric.pk), report_form(area=value))
    assert area.status_code == 200
    assert area.context["form"].errors["area"]
    assert not MetricValue.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_start": "9999-01-01", "period_end": "9999-12-31"}, "period_start"),
        ({"period_start": "2025-01-01", "period_end": "9999-12-31"}, "period_end"),
        ({"period_start": "0001-01-01", "period_end": "0001-02-01"}, "period_start"),
    ],
)
def test_a_far_off_period_re_renders_the_report_form(
    client_for: ClientFor, partner: User, metric: Metric, fields: dict[str, str], field: str
) -> None:
    response = client_for(partner).post(url("metric_report", metric.pk), report_form(**fields))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not MetricValue.objects.exists()
