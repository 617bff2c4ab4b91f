from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.db import models
from django.db.models import QuerySet

from equityhub.core.exceptions import ServiceError
from equityhub.people.selectors import MAX_ID

_M = TypeVar("_M", bound=models.Model)
ID_DIGITS = len(str(MAX_ID))


def apply_service_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def is_id(value: object) -> bool:
    """Whether a submitted value can be a row's id: a whole number in 1..2^63-1, as an int or
    as plain ASCII digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        # The length first: Python refuses to convert digits past a few thousand.
        if len(value) > ID_DIGITS or not (value.isascii() and value.isdigit()):
            return False
        value = int(value)
    return isinstance(value, int) and 0 < value <= MAX_ID


class IdMultipleChoiceField(forms.ModelMultipleChoiceField[_M]):
    """A `ModelMultipleChoiceField` choosing rows by id that refuses values which cannot be an
    id (not a whole number in 1..2^63-1) as an invalid choice before any query.

    Django's own field puts every submitted value into one `pk__in` query; SQLite cannot bind an
    integer past 64 bits and raises OverflowError (a 500) for `99999999999999999999`. (The
    single-choice `ModelChoiceField` answers such a value with "invalid choice" already.) With
    `to_field_name` naming a field that is not an integer, values are checked as Django does.
    """

    def clean(self, value: Any) -> QuerySet[_M]:
        if self._chooses_by_integer():
            prepared = self.prepare_value(value)
            if isinstance(prepared, list | tuple):
                for item in prepared:
                    if not is_id(item):
                        raise forms.ValidationError(
                            self.error_messages["invalid_choice"],
                            code="invalid_choice",
                            params={"value": item},
                        )
        return super().clean(value)

    def _chooses_by_integer(self) -> bool:
        queryset = self.queryset
        if queryset is None:
            return False
        meta = queryset.model._meta
        field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        return isinstance(field, models.IntegerField)
