"""Who reaches which consortium records. Every selector and service of the app asks here.

- Office staff (office administrators, program coordinators) run the consortium: they see and
  change everything.
- Leadership viewers read the consortium's aggregates (metrics roll-ups, the atlas), never a
  partner's records one by one.
- A partner user holds the PARTNER role scoped to an organization. They see and update that
  organization's records (membership, contacts, the initiatives it leads or takes part in, their
  metrics, the agreements it is a party to) and nothing else: another organization's record
  answers 404, exactly like one that does not exist.
- Everyone else (students, site supervisors, reviewers, outsiders): nothing here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from equityhub.accounts.models import Role
from equityhub.accounts.rules import is_leadership_viewer, is_office_staff
from equityhub.accounts.selectors import scope_ids
from equityhub.partnerships.models import Agreement, Initiative
from equityhub.people.models import Organization


def is_consortium_staff(user: Any) -> bool:
    """May run the consortium: every record, every change."""
    return bool(is_office_staff(user))


def can_view_aggregates(user: Any) -> bool:
    """May read roll-ups and the atlas (office staff and leadership)."""
    return bool(is_office_staff(user) or is_leadership_viewer(user))


def partner_organization_ids(user: Any) -> set[int]:
    """The organizations the user keeps records for as a partner (empty for everyone else)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return scope_ids(user, Role.PARTNER, Organization)


def is_partner_user(user: Any) -> bool:
    return bool(partner_organization_ids(user))


def can_use_consortium(user: Any) -> bool:
    """May open the consortium's pages at all."""
    return can_view_aggregates(user) or is_partner_user(user)


def organizations_for_user(user: Any) -> QuerySet[Organization]:
    """Organizations whose consortium records the user may read."""
    if is_consortium_staff(user):
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=partner_organization_ids(user))


def initiatives_for_user(user: Any) -> QuerySet[Initiative]:
    """Initiatives the user may read: all for staff; for a partner, those their organization
    leads or takes part in."""
    if is_consortium_staff(user):
        return Initiative.objects.all()
    ids = partner_organization_ids(user)
    if not ids:
        return Initiative.objects.none()
    return Initiative.objects.filter(
        Q(lead_organization_id__in=ids) | Q(partners__organization_id__in=ids)
    ).distinct()


def can_edit_initiative(user: Any, initiative: Initiative) -> bool:
    """Details, partners and metric definitions: staff, or a partner user of the lead."""
    return is_consortium_staff(user) or initiative.lead_organization_id in partner_organization_ids(
        user
    )


def can_report_on_initiative(user: Any, initiative: Initiative) -> bool:
    """Reporting metric values: staff, the lead's or any participating organization's users."""
    if is_consortium_staff(user):
        return True
    ids = partner_organization_ids(user)
    if not ids:
        return False
    if initiative.lead_organization_id in ids:
        return True
    return initiative.partners.filter(organization_id__in=ids).exists()


def agreements_for_user(user: Any) -> QuerySet[Agreement]:
    """Agreements the user may read: all for staff; for a partner, those their organization is a
    party to."""
    if is_consortium_staff(user):
        return Agreement.objects.all()
    ids = partner_organization_ids(user)
    if not ids:
        return Agreement.objects.none()
    return Agreement.objects.filter(parties__organization_id__in=ids).distinct()


def can_edit_agreement(user: Any, agreement: Agreement) -> bool:
    """Staff, or a partner user of one of the parties (audited like every change)."""
    if is_consortium_staff(user):
        return True
    ids = partner_organization_ids(user)
    return bool(ids) and agreement.parties.filter(organization_id__in=ids).exists()


def can_edit_organization(user: Any, organization: Organization) -> bool:
    """An organization's consortium record (membership description, contacts): staff, or the
    organization's own partner users. Membership terms (type, role, dates) are staff-only."""
    return is_consortium_staff(user) or organization.pk in partner_organization_ids(user)
