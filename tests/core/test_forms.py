"""The shared form pieces (`equityhub.core.forms`): the multiple choice of rows by id that
refuses what cannot be an id before any query, and the forms that use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from equityhub.accounts.models import Role, User
from equityhub.core.forms import IdMultipleChoiceField, is_id
from equityhub.partnerships.forms_agreements import AgreementForm
from equityhub.partnerships.models import Agreement, FocusArea
from equityhub.people.models import Organization
from equityhub.people.selectors import MAX_ID
from tests.factories import OrganizationFactory

OVERFLOWING = [
    "99999999999999999999",
    "-99999999999999999999",
    str(MAX_ID + 1),
    str(2**64),
]
NOT_IDS = ["0", "-1", "", " 5", "5 ", "+5", "5_0", "1e3", "abc", "\u0663", "5.0", "9" * 5000]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),
        ("1", True),
        (MAX_ID, True),
        (str(MAX_ID), True),
        (MAX_ID + 1, False),
        (0, False),
        (-1, False),
        (True, False),
        (None, False),
        (1.0, False),
        *((text, False) for text in OVERFLOWING + NOT_IDS),
    ],
)
def test_is_id_takes_whole_numbers_from_1_to_2_63_minus_1(value: object, expected: bool) -> None:
    assert is_id(value) is expected


@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_is_id_agrees_with_the_range_for_every_integer(number: int) -> None:
    assert is_id(number) is (1 <= number <= MAX_ID)
    assert is_id(str(number)) is (1 <= number <= MAX_ID)


@pytest.mark.django_db
@pytest.mark.parametrize("value", OVERFLOWING + NOT_IDS)
def test_a_value_that_cannot_be_an_id_is_an_invalid_choice_without_a_query(
    value: str, django_assert_num_queries: Any
) -> None:
    OrganizationFactory()
    field = IdMultipleChoiceField(queryset=Organization.objects.all())
    with django_assert_num_queries(0), pytest.raises(forms.ValidationError) as caught:
        field.clean([value])
    assert caught.value.code == "invalid_choice"


@pytest.mark.django_db
def test_ids_of_rows_in_the_queryset_are_chosen_and_others_refused() -> None:
    first, second = OrganizationFactory(), OrganizationFactory()
    field = IdMultipleChoiceField(queryset=Organization.objects.exclude(pk=second.pk))
    assert list(field.clean([str(first.pk)])) == [first]
    assert list(field.clean([first.pk])) == [first]
    for refused in ([str(second.pk)], [str(first.pk), OVERFLOWING[0]], [str(MAX_ID)]):
        with pytest.raises(forms.ValidationError) as caught:
            field.clean(refused)
        assert caught.value.code == "invalid_choice"
    with pytest.raises(forms.ValidationError) as caught:
        field.clean("not a list")
    assert caught.value.code == "invalid_list"


@pytest.mark.django_db
def test_a_field_choosing_by_a_text_field_checks_as_django_does() -> None:
    housing = FocusArea.objects.get_or_create(code="housing", defaults={"name": "Housing"})[0]
    field = IdMultipleChoiceField(queryset=FocusArea.objects.all(), to_field_name="code")
    assert list(field.clean(["housing"])) == [housing]
    with pytest.raises(forms.ValidationError) as caught:
        field.clean([OVERFLOWING[0]])
    assert caught.value.code == "invalid_choice"


@pytest.mark.django_db
def test_djangos_single_choice_answers_a_huge_id_with_invalid_choice_already() -> None:
    # Why there is no single-choice twin: `ModelChoiceField` looks the value up with `get`,
    # which Django answers "no row" for integers out of range, on SQLite and PostgreSQL.
    field = forms.ModelChoiceField(queryset=Organization.objects.all())
    for value in OVERFLOWING:
        with pytest.raises(forms.ValidationError) as caught:
            field.clean(value)
        assert caught.value.code == "invalid_choice"


# The forms using it: partnerships' agreements (the initiatives' are tested with their pages) --


@pytest.mark.django_db
@pytest.mark.parametrize("value", OVERFLOWING)
def test_a_huge_party_id_is_an_invalid_choice_on_the_agreement_form(
    coordinator: User, value: str
) -> None:
    org = OrganizationFactory()
    form = AgreementForm(
        {"title": "Data use", "kind": Agreement.Kind.DATA_USE, "parties": [str(org.pk), value]},
        user=coordinator,
    )
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["parties"]] == ["invalid_choice"]


@pytest.mark.django_db
def test_a_huge_party_id_re_renders_the_new_agreement_page(
    client_for: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    staff = make_user(Role.PROGRAM_COORDINATOR)
    response = client_for(staff).post(
        reverse("partnerships:agreement_new"),
        {"title": "Data use", "kind": Agreement.Kind.DATA_USE, "parties": OVERFLOWING[0]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parties"]
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_a_huge_area_id_is_an_invalid_choice_on_the_volunteering_site_form() -> None:
    from equityhub.volunteering.forms_manage import SiteForm  # noqa: PLC0415

    form = SiteForm(data={"name": "Clinic", "serves_areas": ["99999999999999999999"]})

    assert not form.is_valid()
    assert form.errors["serves_areas"][0].startswith("Select a valid choice.")
