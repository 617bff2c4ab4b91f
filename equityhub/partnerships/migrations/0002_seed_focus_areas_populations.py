"""The controlled lists' starting entries (labels are translated in code by their code)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

FOCUS_AREAS = {
    "cancer_screening": "Cancer screening and prevention",
    "maternal_infant": "Maternal and infant health",
    "chronic_disease": "Chronic disease",
    "violence_prevention": "Violence prevention",
    "mental_health": "Mental health",
    "health_literacy": "Health literacy",
    "food_access": "Food access",
    "access_to_care": "Access to care",
    "infectious_disease": "Infectious disease and vaccination",
    "housing": "Housing and environment",
}

POPULATIONS = {
    "children_youth": "Children and youth",
    "older_adults": "Older adults",
    "black_residents": "Black residents",
    "latino": "Hispanic or Latino residents",
    "immigrants_refugees": "Immigrants and refugees",
    "uninsured": "Uninsured or underinsured people",
    "unhoused": "People experiencing homelessness",
    "pregnant_parenting": "Pregnant and parenting people",
    "disability": "People with disabilities",
    "lgbtq": "LGBTQ+ people",
}


def seed(apps: Any, schema_editor: Any) -> None:
    for model_name, entries in (("FocusArea", FOCUS_AREAS), ("Population", POPULATIONS)):
        model = apps.get_model("partnerships", model_name)
        for code, name in entries.items():
            model.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
