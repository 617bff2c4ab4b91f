"""The consortium partner pages and the partner portal: staff, the organization's own partner
user, another organization's partner user, leadership, members and outsiders on each page; forms
re-rendered with their errors; htmx row actions; and a contact's invitation end to end."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.accounts.services import grant_role
from equityhub.audit.models import AuditEntry
from equityhub.partnerships.models import (
    Agreement,
    AgreementParty,
    Contact,
    Initiative,
    InitiativePartner,
    Membership,
)
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

HUGE_ID = 2**63
HTMX = {"HTTP_HX_REQUEST": "true"}
NEW_PASSWORD = "Kestrel-orchard-41-lanterns"
TODAY = dt.date(2024, 1, 1)


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"partnerships:{name}", kwargs=kwargs)


def detail(organization: Organization) -> str:
    return url("partner_detail", organization_id=organization.pk)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def contact(partner_membership: Membership) -> Contact:
    return Contact.objects.create(
        organization=partner_membership.organization,
        name="Renée Walker",
        email="renee.walker@northside.example.org",
    )


@pytest.fixture
def other_contact(other_org: Organization) -> Contact:
    return Contact.objects.create(
        organization=other_org, name="Eastside Contact", email="contact@eastside.example.org"
    )


@pytest.fixture
def shared_work(
    partner_membership: Membership,
    other_org: Organization,
    partner_initiative: Initiative,
    other_initiative: Initiative,
) -> Agreement:
    """partner_org leads one initiative, takes part in other_org's, and signed an MOU with it."""
    InitiativePartner.objects.create(
        initiative=other_initiative,
        organization=partner_membership.organization,
        role=InitiativePartner.Role.EVALUATOR,
    )
    agreement = Agreement.objects.create(
        title="Northside-Eastside MOU", kind=Agreement.Kind.MOU, expires_on=dt.date(2027, 6, 30)
    )
    AgreementParty.objects.create(
        agreement=agreement, organization=partner_membership.organization, role="data provider"
    )
    AgreementParty.objects.create(agreement=agreement, organization=other_org)
    return agreement


# -- the list -----------------------------------------------------------------------------------


def test_staff_see_every_partner(
    client_for: Callable[[User], Client],
    coordinator: User,
    partner_membership: Membership,
    other_org: Organization,
) -> None:
    response = client_for(coordinator).get(url("partner_list"))

    assert response.status_code == 200
    assert partner_membership.organization.name in response.text
    assert other_org.name in response.text
    assert url("partner_new") in response.text
    assert "<caption>" in response.text


def test_staff_filter_partners_by_type_and_membership(
    client_for: Callable[[User], Client],
    coordinator: User,
    partner_membership: Membership,
    other_org: Organization,
) -> None:
    Membership.objects.filter(organization=other_org).update(
        partner_type=Membership.PartnerType.FUNDER, left_on=dt.date(2023, 1, 1)
    )
    client = client_for(coordinator)

    by_type = client.get(url("partner_list"), {"partner_type": "funder"})
    former = client.get(url("partner_list"), {"current": "0"})
    current = client.get(url("partner_list"), {"current": "1"})

    assert [m.organization for m in by_type.context["memberships"]] == [other_org]
    assert [m.organization for m in former.context["memberships"]] == [other_org]
    assert [m.organization for m in current.context["memberships"]] == [
        partner_membership.organization
    ]


def test_a_partner_user_sees_only_their_organization(
    client_for: Callable[[User], Client],
    partner: User,
    partner_membership: Membership,
    other_org: Organization,
) -> None:
    response = client_for(partner).get(url("partner_list"))

    assert response.status_code == 200
    assert partner_membership.organization.name in response.text
    assert other_org.name not in response.text
    assert url("partner_new") not in response.text


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_others_may_not_open_the_partner_list(
    who: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    other_org: Organization,
) -> None:
    response = client_for(request.getfixturevalue(who)).get(url("partner_list"))
    assert response.status_code == 403
    assert other_org.name not in response.text


def test_signing_in_is_required(client: Client) -> None:
    response = client.get(url("partner_list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# -- adding a partner ---------------------------------------------------------------------------


def test_staff_add_a_known_organization(
    client_for: Callable[[User], Client], admin_user: User
) -> None:
    organization = OrganizationFactory(name="Gateway Hospital")
    client = client_for(admin_user)
    assert organization.name in client.get(url("partner_new")).text

    response = client.post(
        url("partner_new"),
        {
            "organization": organization.pk,
            "partner_type": "health_system",
            "role": "steering",
            "joined_on": "2021-09-01",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == detail(organization)
    membership = Membership.objects.get(organization=organization)
    assert membership.role == "steering"
    assert "Gateway Hospital is now a consortium partner." in messages_of(
        client.get(detail(organization))
    )


def test_staff_add_a_new_organization_in_the_same_form(
    client_for: Callable[[User], Client], admin_user: User
) -> None:
    response = client_for(admin_user).post(
        url("partner_new"),
        {
            "new_name": "Northside Youth Council",
            "new_kind": "community",
            "new_website": "https://youth.example.org",
            "new_address": "1 Main St",
            "new_zip_code": "63106",
            "partner_type": "community",
            "role": "member",
            "joined_on": "2024-02-01",
        },
    )

    assert response.status_code == 302
    organization = Organization.objects.get(name="Northside Youth Council")
    assert organization.zip_code == "63106"
    assert Membership.objects.filter(organization=organization).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "organization", "Choose an organization or enter the name of a new one."),
        ({"new_name": "X", "new_zip_code": "12"}, "new_zip_code", "five-digit ZIP"),
        ({"new_name": "X", "left_on": "2020-01-01"}, "left_on", "cannot end before it began"),
        ({"new_name": "Taken"}, "new_name", "already exists"),
    ],
)
def test_the_add_form_comes_back_with_the_error_on_its_field(
    client_for: Callable[[User], Client],
    admin_user: User,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    OrganizationFactory(name="Taken")
    response = client_for(admin_user).post(
        url("partner_new"),
        {"partner_type": "community", "role": "member", "joined_on": "2024-02-01", **data},
    )

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Membership.objects.exists()


def test_a_known_organization_that_is_already_a_partner_is_not_offered(
    client_for: Callable[[User], Client], admin_user: User, other_org: Organization
) -> None:
    response = client_for(admin_user).get(url("partner_new"))
    assert other_org not in response.context["form"].fields["organization"].queryset


@pytest.mark.parametrize("who", ["partner", "member", "leadership", "outsider"])
def test_only_staff_may_add_partners(
    who: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client]
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("partner_new")).status_code == 403
    response = client.post(
        url("partner_new"),
        {
            "new_name": "Sneaky",
            "partner_type": "other",
            "role": "member",
            "joined_on": "2024-01-01",
        },
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Sneaky").exists()


# -- one partner --------------------------------------------------------------------------------


def test_staff_read_a_partners_record(
    client_for: Callable[[User], Client],
    coordinator: User,
    contact: Contact,
    shared_work: Agreement,
    partner_initiative: Initiative,
) -> None:
    other_initiative = Initiative.objects.exclude(pk=partner_initiative.pk).get()
    organization = contact.organization
    response = client_for(coordinator).get(detail(organization))

    assert response.status_code == 200
    text = response.text
    assert contact.name in text
    assert partner_initiative.title in text
    assert other_initiative.title in text
    assert "Evaluator" in text
    assert shared_work.title in text
    assert url("initiative_detail", initiative_id=partner_initiative.pk) in text
    assert url("agreement_detail", agreement_id=shared_work.pk) in text
    assert url("partner_edit", organization_id=organization.pk) in text
    assert url("contact_new", organization_id=organization.pk) in text


def test_a_partner_user_reads_their_own_organization(
    client_for: Callable[[User], Client],
    partner: User,
    contact: Contact,
    shared_work: Agreement,
    partner_initiative: Initiative,
) -> None:
    response = client_for(partner).get(detail(contact.organization))

    assert response.status_code == 200
    assert contact.name in response.text
    assert partner_initiative.title in response.text
    assert shared_work.title in response.text
    assert "Edit the description" in response.text
    assert [i.pk for i in response.context["led"]] == [partner_initiative.pk]


@pytest.mark.parametrize("who", ["partner", "member", "leadership", "outsider"])
@pytest.mark.usefixtures("partner_membership")
def test_another_organizations_record_answers_404(
    who: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    other_org: Organization,
    other_contact: Contact,
) -> None:
    client = client_for(request.getfixturevalue(who))
    for path in (
        detail(other_org),
        url("partner_edit", organization_id=other_org.pk),
        url("contact_new", organization_id=other_org.pk),
        url("contact_edit", contact_id=other_contact.pk),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert other_contact.name not in response.text
    for path in (
        url("partner_edit", organization_id=other_org.pk),
        url("partner_end", organization_id=other_org.pk),
        url("contact_new", organization_id=other_org.pk),
        url("contact_edit", contact_id=other_contact.pk),
        url("contact_deactivate", contact_id=other_contact.pk),
        url("contact_invite", contact_id=other_contact.pk),
        url("contact_revoke", contact_id=other_contact.pk),
    ):
        response = client.post(
            path, {"description": "hijacked", "name": "X", "email": "x@example.org", "reason": "x"}
        )
        assert response.status_code == 404, path
    other_contact.refresh_from_db()
    assert other_contact.is_active
    assert other_contact.user is None
    assert not Contact.objects.filter(name="X").exists()
    assert Membership.objects.get(organization=other_org).description == ""
    assert not AuditEntry.objects.filter(action__startswith="partnerships.").exists()


def test_an_organization_without_a_membership_or_an_id_out_of_range_answers_404(
    client_for: Callable[[User], Client], coordinator: User
) -> None:
    client = client_for(coordinator)
    assert client.get(detail(OrganizationFactory())).status_code == 404
    assert client.get(f"/consortium/partners/{HUGE_ID}/").status_code == 404
    assert client.get(f"/consortium/contacts/{HUGE_ID}/edit/").status_code == 404
    assert client.get("/consortium/partners/0/").status_code == 404


# -- editing a partner --------------------------------------------------------------------------


def test_staff_change_the_membership_terms(
    client_for: Callable[[User], Client], coordinator: User, partner_membership: Membership
) -> None:
    organization = partner_membership.organization
    client = client_for(coordinator)
    form = client.get(url("partner_edit", organization_id=organization.pk)).context["form"]
    assert "partner_type" in form.fields

    response = client.post(
        url("partner_edit", organization_id=organization.pk),
        {
            "partner_type": "health_system",
            "role": "steering",
            "joined_on": "2021-01-15",
            "left_on": "",
            "description": "Hospitals.",
        },
    )

    assert response.status_code == 302
    partner_membership.refresh_from_db()
    assert (partner_membership.partner_type, partner_membership.role) == (
        "health_system",
        "steering",
    )
    assert AuditEntry.objects.filter(action="partnerships.membership.updated").exists()


def test_the_edit_form_comes_back_with_a_date_error(
    client_for: Callable[[User], Client], coordinator: User, partner_membership: Membership
) -> None:
    response = client_for(coordinator).post(
        url("partner_edit", organization_id=partner_membership.organization_id),
        {
            "partner_type": "community",
            "role": "member",
            "joined_on": "2021-01-15",
            "left_on": "2020-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["left_on"]


def test_a_partner_user_edits_only_the_description(
    client_for: Callable[[User], Client], partner: User, partner_membership: Membership
) -> None:
    organization = partner_membership.organization
    client = client_for(partner)
    page = client.get(url("partner_edit", organization_id=organization.pk))
    assert list(page.context["form"].fields) == ["description"]
    assert page.context["end_form"] is None

    response = client.post(
        url("partner_edit", organization_id=organization.pk),
        {"description": "Community health workers.", "partner_type": "funder", "role": "convener"},
    )

    assert response.status_code == 302
    partner_membership.refresh_from_db()
    assert partner_membership.description == "Community health workers."
    assert (partner_membership.partner_type, partner_membership.role) == ("community", "member")


def test_staff_end_a_membership(
    client_for: Callable[[User], Client], admin_user: User, partner_membership: Membership
) -> None:
    organization = partner_membership.organization
    client = client_for(admin_user)
    assert client.get(url("partner_edit", organization_id=organization.pk)).context["end_form"]

    response = client.post(
        url("partner_end", organization_id=organization.pk),
        {"end-left_on": "2026-06-30", "end-reason": "Program closed"},
    )

    assert response.status_code == 302
    partner_membership.refresh_from_db()
    assert partner_membership.left_on == dt.date(2026, 6, 30)
    entry = AuditEntry.objects.get(action="partnerships.membership.ended")
    assert entry.data == {"reason": "Program closed"}


def test_the_end_of_a_membership_is_confirmed_with_a_readable_date(
    client_for: Callable[[User], Client], admin_user: User, partner_membership: Membership
) -> None:
    response = client_for(admin_user).post(
        url("partner_end", organization_id=partner_membership.organization_id),
        {"end-left_on": "2026-06-30", "end-reason": "Program closed"},
        follow=True,
    )

    assert messages_of(response) == [
        f"The membership of {partner_membership.organization} ends on June 30, 2026."
    ]


def test_ending_without_a_reason_comes_back_with_the_error(
    client_for: Callable[[User], Client], admin_user: User, partner_membership: Membership
) -> None:
    response = client_for(admin_user).post(
        url("partner_end", organization_id=partner_membership.organization_id),
        {"end-left_on": "2026-06-30", "end-reason": ""},
    )
    assert response.status_code == 200
    assert response.context["end_form"].errors["reason"]
    partner_membership.refresh_from_db()
    assert partner_membership.left_on is None


def test_a_partner_user_asking_to_end_their_membership_is_told_why_not(
    client_for: Callable[[User], Client], partner: User, partner_membership: Membership
) -> None:
    response = client_for(partner).post(
        url("partner_end", organization_id=partner_membership.organization_id),
        {"end-left_on": "2026-06-30", "end-reason": "We quit"},
    )
    assert response.status_code == 403
    assert "Only office staff may end a consortium membership" in response.text
    partner_membership.refresh_from_db()
    assert partner_membership.left_on is None


def test_end_and_row_actions_only_accept_post(
    client_for: Callable[[User], Client], admin_user: User, contact: Contact
) -> None:
    client = client_for(admin_user)
    assert (
        client.get(url("partner_end", organization_id=contact.organization_id)).status_code == 405
    )
    for name in ("contact_deactivate", "contact_invite", "contact_revoke"):
        assert client.get(url(name, contact_id=contact.pk)).status_code == 405


# -- contacts -----------------------------------------------------------------------------------


def test_a_partner_user_adds_a_contact(
    client_for: Callable[[User], Client], partner: User, partner_membership: Membership
) -> None:
    organization = partner_membership.organization
    client = client_for(partner)
    assert client.get(url("contact_new", organization_id=organization.pk)).status_code == 200

    response = client.post(
        url("contact_new", organization_id=organization.pk),
        {"name": "Ana Ruiz", "email": "ana@example.org", "role": "data", "title": "Analyst"},
    )

    contact = Contact.objects.get(email="ana@example.org")
    assert response.status_code == 302
    assert response["Location"] == detail(organization) + f"#contact-{contact.pk}"
    assert contact.organization == organization


def test_a_duplicate_address_comes_back_on_the_email_field(
    client_for: Callable[[User], Client], partner: User, contact: Contact
) -> None:
    response = client_for(partner).post(
        url("contact_new", organization_id=contact.organization_id),
        {"name": "Twin", "email": contact.email.upper(), "role": "primary"},
    )
    assert response.status_code == 200
    assert "already has a contact" in response.context["form"].errors["email"][0]
    assert Contact.objects.count() == 1


def test_a_partner_user_edits_a_contact(
    client_for: Callable[[User], Client], partner: User, contact: Contact
) -> None:
    client = client_for(partner)
    page = client.get(url("contact_edit", contact_id=contact.pk))
    assert page.context["form"].initial["email"] == contact.email

    response = client.post(
        url("contact_edit", contact_id=contact.pk),
        {"name": "Renée Walker-Diaz", "email": contact.email, "role": "program", "phone": "314"},
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.role, contact.phone) == ("Renée Walker-Diaz", "program", "314")


def test_deactivating_with_htmx_swaps_the_row_and_announces_it(
    client_for: Callable[[User], Client], partner: User, contact: Contact
) -> None:
    response = client_for(partner).post(url("contact_deactivate", contact_id=contact.pk), **HTMX)

    assert response.status_code == 200
    assert f'<tr id="contact-{contact.pk}"' in response.text
    assert "Inactive" in response.text
    assert 'id="contacts-status" hx-swap-oob="innerHTML"' in response.text
    assert "Renée Walker is now inactive." in response.text
    contact.refresh_from_db()
    assert not contact.is_active


def test_a_refused_row_action_shows_why_in_the_row(
    client_for: Callable[[User], Client], partner: User, contact: Contact
) -> None:
    response = client_for(partner).post(url("contact_revoke", contact_id=contact.pk), **HTMX)
    assert response.status_code == 200
    assert "has no portal access" in response.text
    assert "text-danger" in response.text


def test_inviting_with_htmx_swaps_the_row_and_mails_the_contact(
    client_for: Callable[[User], Client],
    partner: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(partner).post(url("contact_invite", contact_id=contact.pk), **HTMX)

    assert response.status_code == 200
    assert "Portal access" in response.text
    assert "Resend invitation" in response.text
    assert "Renée Walker was invited to the partner portal." in response.text
    assert [message.to for message in mailoutbox] == [[contact.email]]


def test_revoking_without_htmx_redirects_with_a_message(
    client_for: Callable[[User], Client],
    admin_user: User,
    contact: Contact,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("contact_invite", contact_id=contact.pk))

    response = client.post(url("contact_revoke", contact_id=contact.pk), follow=True)

    assert response.redirect_chain[-1][0] == detail(contact.organization) + f"#contact-{contact.pk}"
    assert "Renée Walker no longer has portal access." in messages_of(response)
    contact.refresh_from_db()
    assert contact.user is None


def test_the_invitation_is_mailed_in_the_inviters_language(
    client_for: Callable[[User], Client],
    partner: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(partner).post(
            url("contact_invite", contact_id=contact.pk), HTTP_ACCEPT_LANGUAGE="es"
        )
    [message] = mailoutbox
    assert 'lang="es"' in message.alternatives[0][0]


# -- the partner portal -------------------------------------------------------------------------


def test_the_portal_home_takes_a_partner_user_to_their_organization(
    client_for: Callable[[User], Client], partner: User, partner_membership: Membership
) -> None:
    response = client_for(partner).get(url("my_organization"))
    assert response.status_code == 302
    assert response["Location"] == detail(partner_membership.organization)


def test_a_partner_user_of_several_organizations_chooses_one(
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
    partner_membership: Membership,
    other_org: Organization,
) -> None:
    user = make_user(Role.PARTNER, scope=partner_membership.organization)
    grant_role(user=user, role=Role.PARTNER, scope=other_org, actor=None)

    response = client_for(user).get(url("my_organization"))

    assert response.status_code == 200
    assert detail(partner_membership.organization) in response.text
    assert detail(other_org) in response.text


@pytest.mark.parametrize("who", ["coordinator", "member", "leadership", "outsider"])
def test_the_portal_home_is_404_for_everyone_else(
    who: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client]
) -> None:
    assert client_for(request.getfixturevalue(who)).get(url("my_organization")).status_code == 404


# -- an invitation, end to end ------------------------------------------------------------------


def test_an_invited_contact_sets_a_password_signs_in_and_reaches_only_their_organization(
    client_for: Callable[[User], Client],
    partner: User,
    contact: Contact,
    other_org: Organization,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(partner).post(url("contact_invite", contact_id=contact.pk))
    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body)
    assert link is not None
    assert link.group(0) in message.alternatives[0][0]

    browser = Client()
    # The link hides its key in the session and redirects to the form.
    response = browser.get(urlsplit(link.group(0)).path)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("-set-password/")
    assert browser.get(form_url).status_code == 200
    response = browser.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    # The link works once.
    assert "token_fail" in browser.get(urlsplit(link.group(0)).path).context

    response = browser.post(
        reverse("account_login"), {"login": contact.email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert browser.get(url("my_organization"))["Location"] == detail(contact.organization)
    page = browser.get(detail(contact.organization))
    assert page.status_code == 200
    assert contact.name in page.text
    assert browser.get(detail(other_org)).status_code == 404
    listing = browser.get(url("partner_list"))
    assert other_org.name not in listing.text
    assert contact.organization.name in listing.text


# -- query counts -------------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_partner_list_costs_the_same_for_two_partners_or_ten(
    client_for: Callable[[User], Client], coordinator: User, other_org: Organization
) -> None:
    client = client_for(coordinator)
    Contact.objects.create(organization=other_org, name="A", email="a@example.org")
    few = _queries(client, url("partner_list"))
    for n in range(8):
        organization = OrganizationFactory(name=f"Partner {n}")
        Membership.objects.create(organization=organization, partner_type="other", joined_on=TODAY)
        Contact.objects.create(organization=organization, name="B", email=f"b{n}@example.org")

    assert _queries(client, url("partner_list")) == few


def test_a_partners_page_costs_the_same_however_many_contacts_and_initiatives(
    client_for: Callable[[User], Client],
    coordinator: User,
    shared_work: Agreement,
    make_initiative: Callable[..., Initiative],
) -> None:
    organization = shared_work.parties.order_by("pk").first().organization
    client = client_for(coordinator)
    few = _queries(client, detail(organization))
    for n in range(4):
        Contact.objects.create(organization=organization, name=f"C{n}", email=f"c{n}@example.org")
        make_initiative(organization, title=f"Led {n}")
        joined = make_initiative(OrganizationFactory(name=f"Lead {n}"), title=f"Joined {n}")
        InitiativePartner.objects.create(initiative=joined, organization=organization)
        agreement = Agreement.objects.create(title=f"MOU {n}")
        AgreementParty.objects.create(agreement=agreement, organization=organization)

    assert _queries(client, detail(organization)) == few


# -- the technical admin ------------------------------------------------------------------------


@pytest.mark.usefixtures("shared_work", "contact")
def test_the_admin_lists_consortium_records_read_only(client_for: Callable[[User], Client]) -> None:
    superuser = User.objects.create_superuser("root@example.org", "x")
    client = client_for(superuser)
    for model in ("membership", "contact", "initiative", "agreement", "meeting"):
        response = client.get(f"/admin/partnerships/{model}/")
        assert response.status_code == 200, model
        assert f"/admin/partnerships/{model}/add/" not in response.text
    membership = Membership.objects.first()
    assert membership is not None
    page = client.get(f"/admin/partnerships/membership/{membership.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
