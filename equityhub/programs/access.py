"""Who reaches which pathway-program records. Every selector and service of the app asks here.

- Office staff (office administrators, program coordinators) run the programs: every program,
  cycle, application, review and outcome.
- A reviewer holds the REVIEWER role scoped to a program: they reach the applications assigned
  to them in that program's cycles (without names or demographics when the program reviews
  blind) and their own reviews, nothing else.
- An applicant reaches their own applications (and the programs open to them).
- Leadership viewers read aggregates (funnels, survival), never a person.
- Guardians, recommenders and program directors act through private links (no account).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from equityhub.accounts.models import Role
from equityhub.accounts.rules import is_leadership_viewer, is_office_staff
from equityhub.accounts.selectors import scope_ids
from equityhub.people.selectors import person_of
from equityhub.programs.models import Application, Program, Review


def is_program_staff(user: Any) -> bool:
    return bool(is_office_staff(user))


def can_view_outcomes(user: Any) -> bool:
    """Funnels and survival (aggregated, suppressed): staff and leadership."""
    return bool(is_office_staff(user) or is_leadership_viewer(user))


def reviewer_program_ids(user: Any) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return scope_ids(user, Role.REVIEWER, Program)


def is_reviewer_user(user: Any) -> bool:
    return bool(reviewer_program_ids(user))


def own_applications(user: Any) -> QuerySet[Application]:
    person = person_of(user)
    if person is None:
        return Application.objects.none()
    return Application.objects.filter(applicant=person)


def reviews_for_user(user: Any) -> QuerySet[Review]:
    """A reviewer's own reviews, in programs they still review for; all for staff."""
    if is_program_staff(user):
        return Review.objects.all()
    ids = reviewer_program_ids(user)
    if not ids:
        return Review.objects.none()
    return Review.objects.filter(reviewer=user, application__cycle__program_id__in=ids)


def sees_identity(user: Any, program: Program) -> bool:
    """Whether the user may see applicants' names, contact details and demographics in this
    program's review: staff always; reviewers unless the program reviews blind."""
    return is_program_staff(user) or not program.blind_review
