"""Consortium partners' services: memberships, contacts, portal invitations and revocations.
Every branch: who may, what state allows, which field a refusal names, what is audited, what
is mailed (only after commit)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from unittest import mock

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.accounts.selectors import forget_roles
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships import access
from equityhub.partnerships import services_partners as services
from equityhub.partnerships.models import Contact, Membership
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

T = Membership.PartnerType
TODAY = dt.date(2026, 3, 2)


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def partner_roles(user: User, organization: Organization) -> int:
    return RoleAssignment.objects.filter(
        user=user,
        role=Role.PARTNER,
        scope_type=ContentType.objects.get_for_model(Organization),
        scope_id=organization.pk,
    ).count()


@pytest.fixture
def contact(partner_membership: Membership) -> Contact:
    return Contact.objects.create(
        organization=partner_membership.organization,
        name="Renée Walker",
        title="Program director",
        email="renee.walker@northside.example.org",
    )


@pytest.fixture
def other_contact(other_org: Organization) -> Contact:
    return Contact.objects.create(
        organization=other_org, name="Eastside Contact", email="contact@eastside.example.org"
    )


# -- create_membership --------------------------------------------------------------------------


def test_staff_make_a_known_organization_a_partner(coordinator: User) -> None:
    organization = OrganizationFactory(name="Gateway Hospital")

    membership = services.create_membership(
        actor=coordinator,
        organization=organization,
        partner_type=T.HEALTH_SYSTEM,
        role=Membership.ConsortiumRole.STEERING,
        joined_on=dt.date(2020, 5, 1),
        description="  Clinical sites and data.  ",
    )

    assert membership.organization == organization
    assert membership.description == "Clinical sites and data."
    entry = AuditEntry.objects.get(action="partnerships.membership.created")
    assert entry.actor_id == coordinator.pk
    assert entry.data["partner_type"] == "health_system"
    assert entry.data["joined_on"] == "2020-05-01"


def test_staff_add_a_new_organization_and_its_membership_together(admin_user: User) -> None:
    membership = services.create_membership(
        actor=admin_user,
        new_organization=services.NewOrganization(
            name="Northside Youth Council",
            kind=Organization.Kind.COMMUNITY,
            website="https://youth.example.org",
            address="1 Main St",
            zip_code="63106",
        ),
        partner_type=T.COMMUNITY,
        joined_on=dt.date(2024, 1, 1),
    )

    organization = membership.organization
    assert organization.name == "Northside Youth Council"
    assert organization.zip_code == "63106"
    assert organization.website == "https://youth.example.org"
    assert membership.role == Membership.ConsortiumRole.MEMBER
    assert actions() == ["people.organization.created", "partnerships.membership.created"]


def test_a_new_organizations_refusal_names_its_field(admin_user: User) -> None:
    OrganizationFactory(name="Taken Name")
    with pytest.raises(Conflict) as taken:
        services.create_membership(
            actor=admin_user,
            new_organization=services.NewOrganization(name="taken name"),
            partner_type=T.COMMUNITY,
            joined_on=dt.date(2024, 1, 1),
        )
    assert taken.value.field == "new_organization.name"

    with pytest.raises(ServiceError) as bad_zip:
        services.create_membership(
            actor=admin_user,
            new_organization=services.NewOrganization(name="Fresh", zip_code="631"),
            partner_type=T.COMMUNITY,
            joined_on=dt.date(2024, 1, 1),
        )
    assert bad_zip.value.field == "new_organization.zip_code"
    assert not Organization.objects.filter(name="Fresh").exists()


def test_an_organization_or_a_new_one_is_needed_but_not_both(admin_user: User) -> None:
    organization = OrganizationFactory()
    for kwargs in (
        {},
        {"organization": organization, "new_organization": services.NewOrganization("X")},
    ):
        with pytest.raises(ServiceError) as refusal:
            services.create_membership(
                actor=admin_user, partner_type=T.OTHER, joined_on=dt.date(2024, 1, 1), **kwargs
            )
        assert refusal.value.field == "organization"
    assert not Membership.objects.exists()


def test_an_organization_cannot_join_twice(admin_user: User, other_org: Organization) -> None:
    with pytest.raises(Conflict) as refusal:
        services.create_membership(
            actor=admin_user, organization=other_org, partner_type=T.OTHER, joined_on=TODAY
        )
    assert refusal.value.field == "organization"
    assert "already a consortium partner" in refusal.value.message


@pytest.mark.parametrize(
    ("joined_on", "left_on", "field"),
    [
        (dt.date(2024, 5, 1), dt.date(2024, 4, 30), "left_on"),
        (dt.date(1850, 1, 1), None, "joined_on"),
        (dt.date(2099, 1, 1), None, "joined_on"),
        (dt.date(2024, 5, 1), dt.date(2099, 1, 1), "left_on"),
    ],
)
def test_membership_dates_must_be_sane(
    admin_user: User, joined_on: dt.date, left_on: dt.date | None, field: str
) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.create_membership(
            actor=admin_user,
            organization=OrganizationFactory(),
            partner_type=T.OTHER,
            joined_on=joined_on,
            left_on=left_on,
        )
    assert refusal.value.field == field
    assert not Membership.objects.exists()


def test_an_unknown_partner_type_names_its_field(admin_user: User) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.create_membership(
            actor=admin_user,
            organization=OrganizationFactory(),
            partner_type="pirate",
            joined_on=TODAY,
        )
    assert refusal.value.field == "partner_type"


@pytest.mark.parametrize("who", ["partner", "member", "leadership", "outsider"])
def test_only_staff_add_partners(who: str, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.create_membership(
            actor=actor, organization=OrganizationFactory(), partner_type=T.OTHER, joined_on=TODAY
        )
    assert not Membership.objects.exists()


# -- update_membership --------------------------------------------------------------------------


def test_staff_change_the_terms_and_the_change_is_audited(
    coordinator: User, partner_membership: Membership
) -> None:
    services.update_membership(
        membership=partner_membership,
        actor=coordinator,
        role=Membership.ConsortiumRole.STEERING,
        left_on=dt.date(2027, 1, 14),
    )

    partner_membership.refresh_from_db()
    assert partner_membership.role == "steering"
    entry = AuditEntry.objects.get(action="partnerships.membership.updated")
    assert entry.changes == {"role": ["member", "steering"], "left_on": [None, "2027-01-14"]}


def test_a_partner_user_edits_their_organizations_description(
    partner: User, partner_membership: Membership
) -> None:
    services.update_membership(
        membership=partner_membership, actor=partner, description="Community health workers."
    )

    partner_membership.refresh_from_db()
    assert partner_membership.description == "Community health workers."
    assert AuditEntry.objects.get(action="partnerships.membership.updated").actor_id == partner.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("partner_type", T.FUNDER),
        ("role", Membership.ConsortiumRole.CONVENER),
        ("joined_on", dt.date(2020, 1, 1)),
        ("left_on", dt.date(2026, 12, 31)),
    ],
)
def test_a_partner_user_cannot_change_the_terms(
    partner: User, partner_membership: Membership, field: str, value: Any
) -> None:
    with pytest.raises(NotAllowed) as refusal:
        services.update_membership(
            membership=partner_membership, actor=partner, description="x", **{field: value}
        )
    assert "Only office staff" in refusal.value.message
    partner_membership.refresh_from_db()
    assert partner_membership.description == ""
    assert not AuditEntry.objects.filter(action__startswith="partnerships.").exists()


def test_a_partner_user_may_send_a_term_unchanged(
    partner: User, partner_membership: Membership
) -> None:
    services.update_membership(
        membership=partner_membership,
        actor=partner,
        partner_type=partner_membership.partner_type,
        description="Same type, new words.",
    )
    partner_membership.refresh_from_db()
    assert partner_membership.description == "Same type, new words."


def test_another_organizations_partner_user_cannot_edit(
    other_partner: User, partner_membership: Membership
) -> None:
    with pytest.raises(NotAllowed):
        services.update_membership(
            membership=partner_membership, actor=other_partner, description="x"
        )


def test_a_membership_cannot_end_before_it_began(
    admin_user: User, partner_membership: Membership
) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.update_membership(
            membership=partner_membership, actor=admin_user, left_on=dt.date(2020, 1, 1)
        )
    assert refusal.value.field == "left_on"


def test_an_unknown_field_is_refused(admin_user: User, partner_membership: Membership) -> None:
    with pytest.raises(ServiceError, match="Unknown field: organization_id"):
        services.update_membership(
            membership=partner_membership, actor=admin_user, organization_id=1
        )


def test_saving_nothing_new_writes_no_audit_entry(
    admin_user: User, partner_membership: Membership
) -> None:
    services.update_membership(
        membership=partner_membership, actor=admin_user, role=partner_membership.role
    )
    assert not AuditEntry.objects.exists()


# -- end_membership -----------------------------------------------------------------------------


def test_staff_end_a_membership_with_a_reason(
    admin_user: User, partner_membership: Membership
) -> None:
    services.end_membership(
        membership=partner_membership,
        actor=admin_user,
        left_on=dt.date(2026, 6, 30),
        reason="Program closed",
    )

    partner_membership.refresh_from_db()
    assert partner_membership.left_on == dt.date(2026, 6, 30)
    entry = AuditEntry.objects.get(action="partnerships.membership.ended")
    assert entry.data == {"reason": "Program closed"}
    assert entry.changes == {"left_on": [None, "2026-06-30"]}


def test_a_partner_user_cannot_end_their_membership(
    partner: User, partner_membership: Membership
) -> None:
    with pytest.raises(NotAllowed):
        services.end_membership(
            membership=partner_membership, actor=partner, left_on=TODAY, reason="We quit"
        )
    partner_membership.refresh_from_db()
    assert partner_membership.left_on is None


def test_an_ended_membership_cannot_end_again(
    admin_user: User, partner_membership: Membership
) -> None:
    services.end_membership(
        membership=partner_membership, actor=admin_user, left_on=TODAY, reason="Closed"
    )
    with pytest.raises(Conflict) as refusal:
        services.end_membership(
            membership=partner_membership, actor=admin_user, left_on=TODAY, reason="Again"
        )
    assert refusal.value.field == "left_on"


@pytest.mark.parametrize(
    ("left_on", "reason", "field"),
    [(TODAY, "   ", "reason"), (TODAY, "x" * 501, "reason"), (dt.date(2020, 1, 1), "x", "left_on")],
)
def test_ending_needs_a_reason_and_a_sane_date(
    admin_user: User, partner_membership: Membership, left_on: dt.date, reason: str, field: str
) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.end_membership(
            membership=partner_membership, actor=admin_user, left_on=left_on, reason=reason
        )
    assert refusal.value.field == field


def test_membership_messages_give_dates_as_people_read_them_in_their_language(
    admin_user: User, partner_membership: Membership
) -> None:
    services.end_membership(
        membership=partner_membership,
        actor=admin_user,
        left_on=dt.date(2026, 6, 30),
        reason="Program closed",
    )
    with pytest.raises(Conflict) as english:
        services.end_membership(
            membership=partner_membership, actor=admin_user, left_on=TODAY, reason="Again"
        )
    with translation.override("es"), pytest.raises(Conflict) as spanish:
        services.end_membership(
            membership=partner_membership, actor=admin_user, left_on=TODAY, reason="Again"
        )
    with pytest.raises(ServiceError) as before:
        services.update_membership(
            membership=partner_membership, actor=admin_user, left_on=dt.date(2020, 1, 1)
        )

    assert "June 30, 2026" in english.value.message
    assert "30 de junio de 2026" in spanish.value.message
    assert "2026-06-30" not in english.value.message + spanish.value.message
    assert "(Jan. 1, 2020)" in before.value.message
    assert "(Jan. 15, 2021)" in before.value.message


@time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
def test_the_allowed_range_of_joining_dates_is_given_as_dates(admin_user: User) -> None:
    with pytest.raises(ServiceError) as joined:
        services.create_membership(
            actor=admin_user,
            organization=OrganizationFactory(),
            partner_type=T.OTHER,
            joined_on=dt.date(1850, 1, 1),
        )
    with pytest.raises(ServiceError) as left:
        services.create_membership(
            actor=admin_user,
            organization=OrganizationFactory(),
            partner_type=T.OTHER,
            joined_on=dt.date(2024, 5, 1),
            left_on=dt.date(2099, 1, 1),
        )

    assert "between Jan. 1, 1900 and March 3, 2027" in joined.value.message
    assert "on or before March 3, 2027" in left.value.message


# -- contacts -----------------------------------------------------------------------------------


def test_a_partner_user_adds_a_contact_to_their_organization(
    partner: User, partner_membership: Membership
) -> None:
    contact = services.create_contact(
        organization=partner_membership.organization,
        actor=partner,
        name=" Ana Ruiz ",
        email="ana@northside.example.org",
        role=Contact.Role.DATA,
    )

    assert contact.name == "Ana Ruiz"
    assert contact.is_active
    assert contact.user is None
    entry = AuditEntry.objects.get(action="partnerships.contact.created")
    assert entry.data["email"] == "ana@northside.example.org"


def test_a_partner_user_cannot_add_a_contact_elsewhere(
    partner: User, other_org: Organization
) -> None:
    with pytest.raises(NotAllowed):
        services.create_contact(
            organization=other_org, actor=partner, name="Intruder", email="i@example.org"
        )
    assert not Contact.objects.exists()


def test_a_contact_needs_a_consortium_partner(admin_user: User) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.create_contact(
            organization=OrganizationFactory(), actor=admin_user, name="A", email="a@example.org"
        )
    assert refusal.value.field == "organization"


def test_an_e_mail_address_is_unique_per_organization_whatever_its_case(
    partner: User, contact: Contact, other_org: Organization, admin_user: User
) -> None:
    with pytest.raises(Conflict) as refusal:
        services.create_contact(
            organization=contact.organization,
            actor=partner,
            name="Twin",
            email="Renee.Walker@NORTHSIDE.example.org",
        )
    assert refusal.value.field == "email"
    assert "already has a contact" in refusal.value.message
    # Another organization may know the same person.
    services.create_contact(
        organization=other_org, actor=admin_user, name="Renée", email=contact.email
    )


@pytest.mark.parametrize(
    ("name", "email", "field"), [("A", "not an address", "email"), ("", "a@example.org", "name")]
)
def test_a_contacts_bad_input_names_the_field(
    partner: User, partner_membership: Membership, name: str, email: str, field: str
) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.create_contact(
            organization=partner_membership.organization, actor=partner, name=name, email=email
        )
    assert refusal.value.field == field


def test_a_contact_is_updated_and_audited(partner: User, contact: Contact) -> None:
    services.update_contact(contact=contact, actor=partner, phone="314-555-0100", role="program")

    contact.refresh_from_db()
    assert contact.phone == "314-555-0100"
    entry = AuditEntry.objects.get(action="partnerships.contact.updated")
    assert entry.changes == {"phone": ["", "314-555-0100"], "role": ["primary", "program"]}


def test_changing_to_a_colleagues_address_is_refused(partner: User, contact: Contact) -> None:
    colleague = services.create_contact(
        organization=contact.organization, actor=partner, name="B", email="b@example.org"
    )
    with pytest.raises(Conflict) as refusal:
        services.update_contact(
            contact=colleague, actor=partner, email="RENEE.walker@northside.example.org"
        )
    assert refusal.value.field == "email"
    # Changing only the case of one's own address is fine.
    services.update_contact(
        contact=contact, actor=partner, email="Renee.Walker@northside.example.org"
    )


def test_a_colleague_added_between_the_check_and_the_save_is_a_conflict_not_a_500(
    partner: User, contact: Contact
) -> None:
    # What a concurrent writer that slipped past the check leaves behind: the unique
    # (organization, address) constraint refuses the row, and the answer is the same 409.
    colleague = services.create_contact(
        organization=contact.organization, actor=partner, name="B", email="b@example.org"
    )
    with mock.patch.object(services, "_email_taken", return_value=False):
        with pytest.raises(Conflict) as moved:
            services.update_contact(contact=colleague, actor=partner, email=contact.email.upper())
        with pytest.raises(Conflict) as added:
            services.create_contact(
                organization=contact.organization, actor=partner, name="C", email=contact.email
            )

    for refusal in (moved, added):
        assert refusal.value.field == "email"
        assert "already has a contact" in refusal.value.message
    colleague.refresh_from_db()
    assert colleague.email == "b@example.org"
    assert Contact.objects.filter(organization=contact.organization).count() == 2


def test_changing_an_address_takes_the_membership_lock_like_adding_a_contact(
    partner: User, contact: Contact
) -> None:
    with mock.patch.object(services, "_membership_of", wraps=services._membership_of) as locked:
        services.update_contact(contact=contact, actor=partner, phone="314-555-0100")
        assert locked.call_count == 0  # no address change, no need to serialize
        services.update_contact(contact=contact, actor=partner, email="renee@example.org")
        services.create_contact(
            organization=contact.organization, actor=partner, name="B", email="b@example.org"
        )

    assert [call.args[0] for call in locked.call_args_list] == [contact.organization] * 2


def test_a_portal_users_address_changes_only_after_revoking(
    partner: User, contact: Contact, mailoutbox: list[Any]
) -> None:
    services.invite_contact(contact=contact, actor=partner)
    with pytest.raises(Conflict) as refusal:
        services.update_contact(contact=contact, actor=partner, email="new@example.org")
    assert refusal.value.field == "email"
    assert "revoke their access" in refusal.value.message


def test_updating_a_contact_with_nothing_new_writes_nothing(
    partner: User, contact: Contact
) -> None:
    services.update_contact(contact=contact, actor=partner, name=contact.name)
    assert not AuditEntry.objects.exists()
    with pytest.raises(ServiceError, match="Unknown field: user"):
        services.update_contact(contact=contact, actor=partner, user=partner)


def test_another_organizations_partner_cannot_touch_a_contact(
    other_partner: User, contact: Contact
) -> None:
    for call in (
        lambda: services.update_contact(contact=contact, actor=other_partner, name="X"),
        lambda: services.deactivate_contact(contact=contact, actor=other_partner),
        lambda: services.invite_contact(contact=contact, actor=other_partner),
        lambda: services.revoke_contact_access(contact=contact, actor=other_partner),
    ):
        with pytest.raises(NotAllowed):
            call()
    contact.refresh_from_db()
    assert contact.name == "Renée Walker"
    assert contact.is_active
    assert contact.user is None


def test_deactivating_a_contact_is_audited(partner: User, contact: Contact) -> None:
    services.deactivate_contact(contact=contact, actor=partner)

    contact.refresh_from_db()
    assert not contact.is_active
    assert actions() == ["partnerships.contact.deactivated"]
    with pytest.raises(Conflict, match="already inactive"):
        services.deactivate_contact(contact=contact, actor=partner)


def test_deactivating_a_portal_user_revokes_their_access(
    partner: User, contact: Contact, mailoutbox: list[Any]
) -> None:
    services.invite_contact(contact=contact, actor=partner)
    user = User.objects.get(email__iexact=contact.email)
    assert partner_roles(user, contact.organization) == 1

    services.deactivate_contact(contact=contact, actor=partner)

    contact.refresh_from_db()
    assert contact.user is None
    assert not contact.is_active
    assert partner_roles(user, contact.organization) == 0
    assert actions()[-3:] == [
        "accounts.role.revoked",
        "partnerships.contact.access_revoked",
        "partnerships.contact.deactivated",
    ]


# -- invite_contact -----------------------------------------------------------------------------


@pytest.mark.usefixtures("partner_membership")
def test_inviting_creates_a_verified_login_with_the_partner_role_and_mails_a_link(
    partner: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=partner)

    contact.refresh_from_db()
    user = contact.user
    assert user is not None
    assert user.email == contact.email
    assert not user.has_usable_password()
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (contact.email, True, True)
    assert access.partner_organization_ids(user) == {contact.organization_id}
    assert contact.invited_at is not None
    assert actions() == [
        "accounts.user.created",
        "accounts.role.granted",
        "partnerships.contact.invited",
    ]
    entry = AuditEntry.objects.get(action="partnerships.contact.invited")
    assert entry.data["new_account"] is True
    assert entry.data["resent"] is False

    [message] = mailoutbox
    assert message.to == [contact.email]
    assert "partner portal" in message.subject
    assert contact.organization.name in message.subject
    assert "Hello Renée Walker" in message.body
    assert re.search(r"http://\S+/accounts/password/reset/key/\S+/", message.body)
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "/accounts/password/reset/key/" in html
    assert 'lang="en"' in html


def test_the_invitation_is_sent_only_after_commit(
    partner: User, contact: Contact, mailoutbox: list[Any]
) -> None:
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        services.invite_contact(contact=contact, actor=partner)
        raise Rollback
    assert mailoutbox == []
    assert not User.objects.filter(email__iexact=contact.email).exists()


def test_the_invitation_is_written_in_the_requested_language(
    partner: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=partner, language="es")

    [message] = mailoutbox
    assert 'lang="es"' in message.alternatives[0][0]
    assert User.objects.get(email__iexact=contact.email).language == "es"
    assert AuditEntry.objects.get(action="partnerships.contact.invited").data["language"] == "es"


def test_reinviting_resends_without_a_second_role_or_login(
    partner: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=partner)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=partner)

    user = User.objects.get(email__iexact=contact.email)
    assert User.objects.filter(email__iexact=contact.email).count() == 1
    assert partner_roles(user, contact.organization) == 1
    assert len(mailoutbox) == 2
    assert "/accounts/password/reset/key/" in mailoutbox[1].body
    last = AuditEntry.objects.filter(action="partnerships.contact.invited").order_by("pk").last()
    assert last is not None
    assert last.data["resent"] is True


def test_an_existing_login_gets_the_role_and_keeps_its_other_roles(
    partner: User,
    contact: Contact,
    make_user: Callable[..., User],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    existing = make_user(Role.MEMBER, email="RENEE.WALKER@northside.example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=partner)

    contact.refresh_from_db()
    assert contact.user == existing
    forget_roles(existing)
    assert access.partner_organization_ids(existing) == {contact.organization_id}
    assert RoleAssignment.objects.filter(user=existing, role=Role.MEMBER).exists()
    assert "accounts.user.created" not in actions()
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_a_login_with_a_staff_role_gets_no_password_link(
    admin_user: User,
    partner_membership: Membership,
    make_user: Callable[..., User],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    staff = make_user(Role.SITE_SUPERVISOR, scope=OrganizationFactory(), email="sup@example.org")
    contact = Contact.objects.create(
        organization=partner_membership.organization, name="Sup", email="sup@example.org"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=admin_user)

    assert partner_roles(staff, contact.organization) == 1
    [message] = mailoutbox
    assert "/accounts/password/reset/key/" not in message.body
    assert "/accounts/password/reset/key/" not in message.alternatives[0][0]
    assert "sign in as usual" in message.body
    assert "/accounts/login/" in message.body
    assert (
        AuditEntry.objects.get(action="partnerships.contact.invited").data["password_link"] is False
    )


def test_an_inactive_contact_cannot_be_invited(
    partner: User, contact: Contact, mailoutbox: list[Any]
) -> None:
    services.deactivate_contact(contact=contact, actor=partner)
    with pytest.raises(Conflict, match="inactive contact cannot be invited"):
        services.invite_contact(contact=contact, actor=partner)
    assert not User.objects.filter(email__iexact=contact.email).exists()


def test_a_former_partners_contact_cannot_be_invited(admin_user: User, contact: Contact) -> None:
    Membership.objects.filter(organization=contact.organization).update(
        left_on=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict, match="left the consortium"):
        services.invite_contact(contact=contact, actor=admin_user)


def test_a_disabled_login_is_not_revived_by_an_invitation(
    admin_user: User, contact: Contact, make_user: Callable[..., User]
) -> None:
    disabled = make_user(email=contact.email)
    disabled.is_active = False
    disabled.save()
    with pytest.raises(Conflict) as refusal:
        services.invite_contact(contact=contact, actor=admin_user)
    assert refusal.value.field == "email"
    assert partner_roles(disabled, contact.organization) == 0


def test_a_login_created_by_a_concurrent_invitation_is_used_not_duplicated(
    admin_user: User,
    contact: Contact,
    other_contact: Contact,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Two organizations invite the same address at once: the second finds no login, the first
    creates it before the second inserts. The unique address refuses the second insert; the
    invitation goes on with the login the first created."""
    Contact.objects.filter(pk=other_contact.pk).update(email=contact.email.upper())
    looked_up = services._login_for
    calls: list[str] = []

    def after_the_other_invitation(email: str) -> User | None:
        calls.append(email)
        if len(calls) == 1:
            services.invite_contact(contact=other_contact, actor=admin_user)
            return None
        return looked_up(email)

    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch.object(services, "_login_for", side_effect=after_the_other_invitation),
    ):
        services.invite_contact(contact=contact, actor=admin_user)

    user = User.objects.get(email__iexact=contact.email)
    assert len(calls) == 3  # ours, the other invitation's, ours again after the refusal
    contact.refresh_from_db()
    other_contact.refresh_from_db()
    assert contact.user == other_contact.user == user
    assert access.partner_organization_ids(user) == {
        contact.organization_id,
        other_contact.organization_id,
    }
    assert User.objects.filter(email__iexact=contact.email).count() == 1
    assert actions().count("accounts.user.created") == 1
    invited = AuditEntry.objects.filter(action="partnerships.contact.invited").order_by("pk")
    assert [entry.data["new_account"] for entry in invited] == [True, False]


def test_a_concurrently_created_login_that_is_disabled_is_refused(
    admin_user: User, contact: Contact, make_user: Callable[..., User]
) -> None:
    def disabled_meanwhile(email: str) -> User | None:
        if not User.objects.filter(email__iexact=email).exists():
            User.objects.filter(pk=make_user(email=email, person=False).pk).update(is_active=False)
            return None
        return User.objects.filter(email__iexact=email).first()

    with (
        mock.patch.object(services, "_login_for", side_effect=disabled_meanwhile),
        pytest.raises(Conflict, match="disabled"),
    ):
        services.invite_contact(contact=contact, actor=admin_user)


def test_an_address_taken_while_its_login_cannot_be_read_is_a_conflict(
    admin_user: User, contact: Contact
) -> None:
    with (
        mock.patch.object(services, "_login_for", return_value=None),
        mock.patch.object(User.objects, "create_user", side_effect=IntegrityError("duplicate")),
        pytest.raises(Conflict) as refusal,
    ):
        services.invite_contact(contact=contact, actor=admin_user)

    assert refusal.value.field == "email"
    assert "try again" in refusal.value.message
    contact.refresh_from_db()
    assert contact.user is None


def test_an_expired_partner_role_is_granted_afresh(
    admin_user: User,
    contact: Contact,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    user = make_user(Role.PARTNER, scope=contact.organization, email=contact.email)
    RoleAssignment.objects.filter(user=user).update(
        starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 12, 31)
    )
    assert access.partner_organization_ids(user) == set()

    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=admin_user)

    forget_roles(user)
    assert access.partner_organization_ids(user) == {contact.organization_id}
    assert partner_roles(user, contact.organization) == 1


# -- revoke_contact_access ----------------------------------------------------------------------


def test_revoking_removes_the_role_and_the_link_but_not_the_login(
    admin_user: User,
    contact: Contact,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    user = make_user(Role.MEMBER, email=contact.email)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contact(contact=contact, actor=admin_user)

    services.revoke_contact_access(contact=contact, actor=admin_user)

    contact.refresh_from_db()
    assert contact.user is None
    assert contact.invited_at is None
    assert contact.is_active
    assert User.objects.filter(pk=user.pk, is_active=True).exists()
    assert partner_roles(user, contact.organization) == 0
    assert RoleAssignment.objects.filter(user=user, role=Role.MEMBER).exists()
    entry = AuditEntry.objects.get(action="partnerships.contact.access_revoked")
    assert entry.data == {"user": user.pk, "role_revoked": True}


def test_a_contact_without_access_cannot_be_revoked(admin_user: User, contact: Contact) -> None:
    with pytest.raises(Conflict, match="no portal access"):
        services.revoke_contact_access(contact=contact, actor=admin_user)


def test_a_partner_user_cannot_revoke_their_own_access(
    partner: User, partner_membership: Membership
) -> None:
    own = Contact.objects.create(
        organization=partner_membership.organization, name="Me", email=partner.email, user=partner
    )
    with pytest.raises(Conflict, match="your own access"):
        services.revoke_contact_access(contact=own, actor=partner)
    with pytest.raises(Conflict, match="your own access"):
        services.deactivate_contact(contact=own, actor=partner)
    forget_roles(partner)
    assert access.partner_organization_ids(partner) == {partner_membership.organization_id}


def test_a_login_shared_by_two_contacts_keeps_the_role_until_the_last_goes(
    admin_user: User, partner: User, partner_membership: Membership
) -> None:
    organization = partner_membership.organization
    first = Contact.objects.create(
        organization=organization, name="A", email=partner.email, user=partner
    )
    second = Contact.objects.create(
        organization=organization, name="A (data)", email="a.data@example.org", user=partner
    )

    services.revoke_contact_access(contact=first, actor=admin_user)
    assert partner_roles(partner, organization) == 1
    services.revoke_contact_access(contact=second, actor=admin_user)
    assert partner_roles(partner, organization) == 0


# -- under real concurrency (PostgreSQL) --------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under real concurrency need PostgreSQL (DATABASE_URL=postgres://...)",
)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads (each on its own connection), released at once; each call's
    result or exception."""
    go = threading.Event()

    def run(call: Callable[[], Any]) -> Any:
        go.wait(timeout=30)
        try:
            return call()
        except Exception as error:  # the caller inspects every outcome
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        go.set()
        return [future.result(timeout=120) for future in futures]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_adding_and_readdressing_contacts_at_once_leaves_one_holder_of_an_address(
    admin_user: User, partner_membership: Membership
) -> None:
    organization = partner_membership.organization
    address = "shared@northside.example.org"
    movers = [
        Contact.objects.create(organization=organization, name=f"M{n}", email=f"m{n}@example.org")
        for n in range(4)
    ]
    calls: list[Callable[[], Any]] = [
        *(
            partial(services.update_contact, contact=mover, actor=admin_user, email=address)
            for mover in movers
        ),
        *(
            partial(
                services.create_contact,
                organization=organization,
                actor=admin_user,
                name=f"N{n}",
                email=address.upper(),
            )
            for n in range(4)
        ),
    ]

    outcomes = run_together(calls)

    assert sum(isinstance(outcome, Contact) for outcome in outcomes) == 1
    assert all(isinstance(o, (Contact, Conflict)) for o in outcomes), outcomes
    assert Contact.objects.filter(organization=organization, email__iexact=address).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_inviting_one_address_from_several_organizations_at_once_makes_one_login(
    admin_user: User,
) -> None:
    address = "renee.walker@example.org"
    contacts = []
    for n in range(6):
        organization = OrganizationFactory(name=f"Partner {n}")
        Membership.objects.create(
            organization=organization, partner_type=T.COMMUNITY, joined_on=dt.date(2021, 1, 1)
        )
        contacts.append(
            Contact.objects.create(organization=organization, name="Renée", email=address)
        )

    outcomes = run_together(
        [partial(services.invite_contact, contact=c, actor=admin_user) for c in contacts]
    )

    assert all(isinstance(outcome, Contact) for outcome in outcomes), outcomes
    user = User.objects.get(email__iexact=address)
    assert set(Contact.objects.values_list("user_id", flat=True)) == {user.pk}
    assert access.partner_organization_ids(user) == {c.organization_id for c in contacts}
