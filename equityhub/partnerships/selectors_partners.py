"""Reads of the consortium's partners and their contacts.

Every organization reached by id goes through `get_partner_for_user` and every contact through
`get_contact_for_user`: both answer 404 to anyone who may not read the record (another
organization's partner user, a member, an outsider), exactly as for an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from equityhub.partnerships import access
from equityhub.partnerships.models import (
    Agreement,
    AgreementParty,
    Contact,
    Initiative,
    InitiativePartner,
    Membership,
)
from equityhub.people.models import Organization, Person
from equityhub.people.selectors import valid_id


def current_q(on: dt.date | None = None, *, prefix: str = "") -> Q:
    """Memberships current on `on` (today): joined by then and not left before."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}joined_on__lte": on}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gte": on})
    )


def partners_for_user(
    user: Any, *, partner_type: str | None = None, current: bool | None = None
) -> QuerySet[Membership]:
    """The memberships the user may read (all for staff, their own organizations' for a
    partner, none for anyone else), each with its organization and its number of active
    contacts, by organization name."""
    memberships = Membership.objects.filter(
        organization__in=access.organizations_for_user(user)
    ).select_related("organization")
    if partner_type:
        memberships = memberships.filter(partner_type=partner_type)
    if current is True:
        memberships = memberships.filter(current_q())
    elif current is False:
        memberships = memberships.exclude(current_q())
    return memberships.annotate(
        active_contacts=Count(
            "organization__consortium_contacts",
            filter=Q(organization__consortium_contacts__is_active=True),
        )
    ).order_by("organization__name", "pk")


def get_partner_for_user(user: Any, organization_id: Any) -> Organization:
    """The one way to load a consortium partner by id: an Organization with a Membership the
    user may read, with `consortium_membership` loaded; 404 otherwise."""
    pk = valid_id(organization_id)
    organization = (
        access.organizations_for_user(user)
        .filter(pk=pk, consortium_membership__isnull=False)
        .select_related("consortium_membership")
        .first()
    )
    if organization is None:
        raise Http404
    return organization


def get_contact_for_user(user: Any, contact_id: Any) -> Contact:
    """The one way to load a partner contact by id: 404 unless the user may read its
    organization's consortium record."""
    pk = valid_id(contact_id)
    contact = (
        Contact.objects.filter(
            pk=pk,
            organization__in=access.organizations_for_user(user),
            organization__consortium_membership__isnull=False,
        )
        .select_related("organization", "user")
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def contacts_of(organization: Organization) -> QuerySet[Contact]:
    """An organization's contacts: active ones first, then by name."""
    return (
        Contact.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-is_active", "name", "pk")
    )


def my_partner_organizations(user: Any) -> QuerySet[Organization]:
    """The consortium partners a partner user keeps the records of (not staff's "all")."""
    return Organization.objects.filter(
        pk__in=access.partner_organization_ids(user), consortium_membership__isnull=False
    ).order_by("name", "pk")


def initiatives_led_by(user: Any, organization: Organization) -> QuerySet[Initiative]:
    """Initiatives the organization leads, among those the user may read."""
    return (
        access.initiatives_for_user(user)
        .filter(lead_organization=organization)
        .order_by("title", "pk")
    )


def initiatives_joined_by(user: Any, organization: Organization) -> QuerySet[Initiative]:
    """Initiatives the organization takes part in (not as lead), among those the user may
    read; each with `roles_here`, the organization's InitiativePartner row(s)."""
    return (
        access.initiatives_for_user(user)
        .filter(partners__organization=organization)
        .exclude(lead_organization=organization)
        .select_related("lead_organization")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=InitiativePartner.objects.filter(organization=organization),
                to_attr="roles_here",
            )
        )
        .distinct()
        .order_by("title", "pk")
    )


def agreements_of(user: Any, organization: Organization) -> QuerySet[Agreement]:
    """Agreements the organization is a party to, among those the user may read; each with
    `party_here`, the organization's AgreementParty row."""
    return (
        access.agreements_for_user(user)
        .filter(parties__organization=organization)
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.filter(organization=organization),
                to_attr="party_here",
            )
        )
        .distinct()
        .order_by("expires_on", "title", "pk")
    )


def organizations_without_membership() -> QuerySet[Organization]:
    """Organizations that could join the consortium (for the staff's "add a partner" form)."""
    return Organization.objects.filter(consortium_membership__isnull=True, is_active=True).order_by(
        "name"
    )


def user_labels(viewer: Any, users: Iterable[Any]) -> dict[int, str]:
    """How the people who recorded shared records (an agreement, a document, a metric value)
    are named to `viewer`: their e-mail address for office staff; for anyone else their name in
    the registry, never their address (a partner reads records another organization's staff
    wrote). One query."""
    found = {user.pk: user for user in users if user is not None}
    if access.is_consortium_staff(viewer):
        return {pk: user.email for pk, user in found.items()}
    people = Person.objects.filter(user_id__in=list(found)).only(
        "user_id", "given_name", "family_name", "preferred_name"
    )
    names = {person.user_id: person.display_name for person in people}
    return {pk: names.get(pk, "") for pk in found}
