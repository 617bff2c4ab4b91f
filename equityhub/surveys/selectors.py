"""Every read in surveys. Questionnaires reached by id go through `get_questionnaire_for_user`
(office staff and leadership viewers) or `get_questionnaire_for_manager` (office staff), which
answer 404 to anyone else and to ids outside 1..2^63-1. Invitations are reached only by their
private token, through `invitation_for_token`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from equityhub.accounts.models import hash_token
from equityhub.accounts.rules import is_office_staff
from equityhub.people.selectors import valid_id
from equityhub.surveys.models import Invitation, Item, Questionnaire, Response
from equityhub.surveys.services import TOKEN_PATTERN


def _can_view(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm("surveys.view_results")
    )


def _count(queryset: QuerySet[Any], outer: str) -> Coalesce:
    counted = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_counts(queryset: QuerySet[Questionnaire]) -> QuerySet[Questionnaire]:
    """Annotates `item_count`, `invited_count` and `answered_count` (one query in all)."""
    return queryset.annotate(
        item_count=_count(Item.objects.all(), "questionnaire"),
        invited_count=_count(Invitation.objects.all(), "questionnaire"),
        answered_count=_count(Response.objects.all(), "invitation__questionnaire"),
    )


def questionnaires_for_user(user: Any) -> QuerySet[Questionnaire]:
    """Every questionnaire, newest first, for office staff and leadership viewers; none for
    anyone else."""
    if not _can_view(user):
        return Questionnaire.objects.none()
    return with_counts(Questionnaire.objects.all())


def _with_items(queryset: QuerySet[Questionnaire]) -> QuerySet[Questionnaire]:
    return queryset.prefetch_related(
        Prefetch("items", queryset=Item.objects.order_by("position", "pk"))
    )


def get_questionnaire_for_user(user: Any, questionnaire_id: Any) -> Questionnaire:
    """One questionnaire with its items (prefetched, in order) and counts; 404 for anyone who
    may not read survey results."""
    pk = valid_id(questionnaire_id)
    questionnaire = _with_items(questionnaires_for_user(user)).filter(pk=pk).first()
    if questionnaire is None:
        raise Http404
    return questionnaire


def get_questionnaire_for_manager(user: Any, questionnaire_id: Any) -> Questionnaire:
    """As `get_questionnaire_for_user`, for office staff only (404 for anyone else)."""
    if not is_office_staff(user):
        raise Http404
    return get_questionnaire_for_user(user, questionnaire_id)


def other_questionnaires(questionnaire: Questionnaire) -> QuerySet[Questionnaire]:
    """The questionnaires `questionnaire` may be compared with (as its post-survey)."""
    return Questionnaire.objects.exclude(pk=questionnaire.pk).order_by("-created_at", "-pk")


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a private link's token belongs to, with its questionnaire and (if
    answered) response; None for anything that is not such a token. Expired invitations and
    closed questionnaires are returned too: see `is_answerable`."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        Invitation.objects.select_related("questionnaire", "response")
        .filter(digest=hash_token(token))
        .first()
    )


def is_answerable(invitation: Invitation) -> bool:
    """Not expired, and its questionnaire is open (whether answered already or not)."""
    return not invitation.is_expired and invitation.questionnaire.is_active


def is_answered(invitation: Invitation) -> bool:
    try:
        return invitation.response is not None
    except Response.DoesNotExist:
        return False


def items_of(questionnaire: Questionnaire) -> list[Item]:
    return list(questionnaire.items.all())
