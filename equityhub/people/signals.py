"""Signals of the people registry, for other apps to follow what happens to a person's records
without the registry knowing about them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `people.services.withdraw_consent` inside its transaction, after the consent row is
# marked withdrawn: `sender=Consent`, `consent=` the (locked, withdrawn) Consent, `actor=` who
# withdrew it (None for a guardian through a private link). Receivers run in the same
# transaction, so whatever they refuse rolls the withdrawal back.
consent_withdrawn = Signal()
