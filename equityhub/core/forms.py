from __future__ import annotations

from django import forms

from equityhub.core.exceptions import ServiceError


def apply_service_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
