"""Signal receivers of the pathway programs."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from equityhub.people.models import Consent
from equityhub.people.signals import consent_withdrawn
from equityhub.programs.services_applications import withdraw_applications_for_consent


@receiver(consent_withdrawn, sender=Consent, dispatch_uid="programs.withdraw_applications")
def withdraw_applications_of_consent(
    sender: type[Consent], *, consent: Consent, actor: Any, **kwargs: Any
) -> None:
    """A withdrawn guardian consent withdraws every application linked to it, in the same
    transaction as the withdrawal (wherever it was withdrawn: the guardian's link, the people
    pages, the API)."""
    withdraw_applications_for_consent(consent=consent, actor=actor)
