"""Reads of the consortium's agreements: lists, one agreement, its parties and documents.

Everything goes through `partnerships.access.agreements_for_user`: office staff read every
agreement, a partner user those their organization is a party to, everyone else none. An
agreement, party or document reached by id that the user may not read answers 404, exactly like
one that does not exist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from equityhub.partnerships.access import (
    agreements_for_user,
    is_consortium_staff,
    is_partner_user,
    partner_organization_ids,
)
from equityhub.partnerships.models import Agreement, AgreementDocument, AgreementParty
from equityhub.people.models import Organization
from equityhub.people.selectors import valid_id

RENEWAL_WINDOW_DAYS = 90


def can_use_agreements(user: Any) -> bool:
    """May open the agreement pages at all: office staff and partner users (leadership reads
    aggregates only, never an agreement)."""
    return is_consortium_staff(user) or is_partner_user(user)


def _with_parties(queryset: QuerySet[Agreement]) -> QuerySet[Agreement]:
    return queryset.select_related("initiative").prefetch_related(
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("organization").order_by(
                "organization__name"
            ),
        )
    )


def visible_agreements(user: Any) -> QuerySet[Agreement]:
    """The agreements the user may read, parties prefetched, with `document_count`, soonest
    expiry first (open-ended last)."""
    # A subquery rather than the access queryset itself: that one joins the parties (and is
    # distinct), which would multiply the document count.
    queryset = Agreement.objects.filter(pk__in=agreements_for_user(user).values("pk"))
    return _with_parties(
        queryset.annotate(document_count=Count("documents", distinct=True))
    ).order_by(F("expires_on").asc(nulls_last=True), "title", "pk")


def filter_agreements(
    queryset: QuerySet[Agreement],
    *,
    status: str = "",
    kind: str = "",
    party: Organization | None = None,
    expiring_within: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[Agreement]:
    """The list page's filters; `expiring_within` days keeps agreements in effect that expire
    between today and then."""
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if party is not None:
        queryset = queryset.filter(
            pk__in=AgreementParty.objects.filter(organization=party).values("agreement_id")
        )
    if expiring_within is not None:
        today = today or timezone.localdate()
        queryset = queryset.filter(
            status=Agreement.Status.ACTIVE,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=expiring_within),
        )
    return queryset


def party_organizations(user: Any) -> QuerySet[Organization]:
    """Organizations that are a party to an agreement the user may read (the party filter)."""
    return (
        Organization.objects.filter(
            agreement_parties__agreement__in=agreements_for_user(user).values("pk")
        )
        .distinct()
        .order_by("name")
    )


def get_agreement_for_user(user: Any, agreement_id: Any) -> Agreement:
    """The one way an agreement is loaded for a user by id: 404 unless they may read it."""
    pk = valid_id(agreement_id)
    agreement = _with_parties(
        Agreement.objects.filter(pk__in=agreements_for_user(user).values("pk"))
    ).filter(pk=pk)
    found = agreement.select_related("created_by").first()
    if found is None:
        raise Http404
    return found


def get_party_for_user(user: Any, party_id: Any) -> AgreementParty:
    pk = valid_id(party_id)
    found = (
        AgreementParty.objects.filter(
            pk=pk, agreement_id__in=agreements_for_user(user).values("pk")
        )
        .select_related("agreement", "organization")
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_document_for_user(user: Any, document_id: Any) -> AgreementDocument:
    pk = valid_id(document_id)
    found = (
        AgreementDocument.objects.filter(
            pk=pk, agreement_id__in=agreements_for_user(user).values("pk")
        )
        .select_related("agreement", "uploaded_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def documents_of(agreement: Agreement) -> QuerySet[AgreementDocument]:
    return AgreementDocument.objects.filter(agreement=agreement).select_related("uploaded_by")


def days_left(agreement: Agreement, today: dt.date | None = None) -> int | None:
    """Days until the agreement expires (negative once past; None when it does not expire)."""
    if agreement.expires_on is None:
        return None
    return (agreement.expires_on - (today or timezone.localdate())).days


def agreements_due_for_renewal(
    user: Any, *, within_days: int = RENEWAL_WINDOW_DAYS
) -> QuerySet[Agreement]:
    """Agreements in effect, readable by the user, that expire within `within_days` days
    (today included), soonest first."""
    today = timezone.localdate()
    return filter_agreements(
        visible_agreements(user), expiring_within=within_days, today=today
    ).order_by("expires_on", "title", "pk")


@dataclasses.dataclass(frozen=True)
class AgreementRow:
    """One line of the agreement list."""

    agreement: Agreement
    days_left: int | None

    @property
    def expiring_soon(self) -> bool:
        return (
            self.agreement.status == Agreement.Status.ACTIVE
            and self.days_left is not None
            and 0 <= self.days_left <= RENEWAL_WINDOW_DAYS
        )


def agreement_rows(
    queryset: QuerySet[Agreement], today: dt.date | None = None
) -> list[AgreementRow]:
    today = today or timezone.localdate()
    return [AgreementRow(agreement=a, days_left=days_left(a, today)) for a in queryset]


def own_party_ids(user: Any, agreement: Agreement) -> set[int]:
    """The agreement's parties that are the user's own organizations (as a partner)."""
    ids = partner_organization_ids(user)
    return {party.pk for party in agreement.parties.all() if party.organization_id in ids}


def parties_other_than(agreement: Agreement) -> Q:
    """Organizations not yet a party (the add-party choice)."""
    return ~Q(pk__in=AgreementParty.objects.filter(agreement=agreement).values("organization_id"))
