from __future__ import annotations

import pytest

from equityhub.accounts.models import Role
from equityhub.people.models import TrainingLevel
from equityhub.people.overview import registry_overview
from tests.factories import AffiliationFactory, DemographicProfileFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _students(n: int, *, level: str, black: bool = True) -> None:
    org = OrganizationFactory(name="Washington University School of Medicine")
    for _ in range(n):
        affiliation = AffiliationFactory(organization=org, training_level=level, is_primary=True)
        DemographicProfileFactory(
            person=affiliation.person,
            race_black=black,
            race_white=not black,
            underrepresented_in_medicine="yes" if black else "no",
        )


def test_levels_with_few_people_are_suppressed_and_others_shown():
    _students(30, level=TrainingLevel.MEDICAL_STUDENT)
    _students(4, level=TrainingLevel.RESIDENT)
    _students(25, level=TrainingLevel.FACULTY, black=False)
    overview = registry_overview()
    values = {bar.label: bar.value for bar in overview.by_level}
    assert values[str(TrainingLevel.MEDICAL_STUDENT.label)] == 30
    assert values[str(TrainingLevel.RESIDENT.label)] is None
    shown = [cell for _, cells in overview.race_by_level.rows for cell in cells]
    assert all(cell is None or cell == 0 or cell >= 11 for cell in shown)


def test_no_published_count_is_between_one_and_ten():
    _students(12, level=TrainingLevel.MEDICAL_STUDENT)
    _students(3, level=TrainingLevel.MEDICAL_STUDENT, black=False)
    _students(15, level=TrainingLevel.FELLOW, black=False)
    overview = registry_overview()
    cells = [c for _, row in overview.urim_by_level.rows for c in row]
    cells += [t for t in overview.urim_by_level.row_totals or []]
    assert all(c is None or c == 0 or c >= 11 for c in cells)


def test_the_overview_page_is_for_office_staff_and_leadership(make_user, client_for):
    _students(12, level=TrainingLevel.MEDICAL_STUDENT)
    for role, status in [
        (Role.OFFICE_ADMIN, 200),
        (Role.LEADERSHIP_VIEWER, 200),
        (Role.PROGRAM_COORDINATOR, 200),
        (Role.MEMBER, 403),
        (None, 403),
    ]:
        response = client_for(make_user(role)).get("/people/overview/")
        assert response.status_code == status, role
    response = client_for(make_user(Role.LEADERSHIP_VIEWER)).get("/people/overview/")
    assert b"<svg" in response.content
    assert b"Medical student" in response.content


def test_the_overview_page_uses_a_fixed_number_of_queries(
    make_user, client_for, django_assert_max_num_queries
):
    client = client_for(make_user(Role.OFFICE_ADMIN))
    _students(20, level=TrainingLevel.MEDICAL_STUDENT)
    _students(20, level=TrainingLevel.RESIDENT)
    with django_assert_max_num_queries(8):
        assert client.get("/people/overview/").status_code == 200
