"""What the consortium's home page shows a given user: every part read through the areas'
selectors, so a partner sees only what those selectors give them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from equityhub.partnerships import access
from equityhub.partnerships.models import ActionItem, Agreement, Initiative, Membership
from equityhub.partnerships.selectors_agreements import agreements_due_for_renewal, days_left
from equityhub.partnerships.selectors_initiatives import overlaps_for_user
from equityhub.partnerships.selectors_meetings import open_action_items_for_user
from equityhub.partnerships.selectors_partners import current_q
from equityhub.people.models import Organization

LIST_LIMIT = 8


@dataclass
class Home:
    is_staff: bool
    sees_aggregates: bool
    organizations: list[Organization] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    initiatives: list[Initiative] = field(default_factory=list)
    agreements_due: list[tuple[Agreement, int | None]] = field(default_factory=list)
    overlaps: list[Any] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)


def home_for_user(user: Any) -> Home:
    staff = access.is_consortium_staff(user)
    home = Home(is_staff=staff, sees_aggregates=access.can_view_aggregates(user))
    if not (staff or access.is_partner_user(user)):
        return home  # leadership: the page links to the roll-ups and the atlas
    if not staff:
        home.organizations = list(
            access.organizations_for_user(user).filter(consortium_membership__isnull=False)
        )
    initiatives: QuerySet[Initiative] = access.initiatives_for_user(user).select_related(
        "lead_organization"
    )
    agreements_due = agreements_due_for_renewal(user, within_days=90)
    action_items = open_action_items_for_user(user)
    home.counts = {
        # Current partners only: a membership dated to begin later is not one yet.
        "members": Membership.objects.filter(current_q()).count() if staff else 0,
        "initiatives": initiatives.exclude(status=Initiative.Status.COMPLETED).count(),
        "agreements_due": agreements_due.count(),
        "action_items": action_items.count(),
    }
    home.initiatives = list(
        initiatives.exclude(status=Initiative.Status.COMPLETED).order_by("-updated_at")[:LIST_LIMIT]
    )
    home.agreements_due = [
        (agreement, days_left(agreement))
        for agreement in agreements_due.prefetch_related("parties__organization")[:LIST_LIMIT]
    ]
    home.action_items = list(action_items.select_related("owner_organization")[:LIST_LIMIT])
    home.overlaps = overlaps_for_user(user)[:LIST_LIMIT]
    return home
