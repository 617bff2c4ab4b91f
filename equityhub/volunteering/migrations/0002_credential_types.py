"""The credential types clinics ask for. Office staff can add more in the admin."""

from django.db import migrations

TYPES = [
    ("hipaa", "HIPAA training", 12, False, True),
    ("tb-test", "TB test", 12, False, True),
    ("bls", "Basic Life Support (BLS)", 24, False, True),
    ("background-check", "Background check", 36, False, True),
    ("immunizations", "Immunizations (MMR, varicella, hepatitis B, influenza)", 12, False, True),
    ("bloodborne-pathogens", "Bloodborne pathogens training", 12, False, True),
    ("site-orientation", "Site orientation", None, True, False),
]


def add_types(apps, schema_editor):
    CredentialType = apps.get_model("volunteering", "CredentialType")
    for code, name, months, per_site, evidence in TYPES:
        CredentialType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "validity_months": months,
                "per_site": per_site,
                "requires_evidence": evidence,
            },
        )


def remove_types(apps, schema_editor):
    CredentialType = apps.get_model("volunteering", "CredentialType")
    CredentialType.objects.filter(code__in=[t[0] for t in TYPES], credentials__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("volunteering", "0001_initial")]

    operations = [migrations.RunPython(add_types, remove_types)]
