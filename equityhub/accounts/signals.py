"""Link a login to the registry's Person once its e-mail address is verified.

Linking on sign-up alone would let anyone claim a record by typing its address; allauth's
`email_confirmed` proves the address belongs to whoever signed up.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_logged_in
from django.dispatch import receiver

from equityhub.people.services import link_user_to_person


@receiver(email_confirmed)
def link_person_on_confirmation(
    sender: Any, request: Any, email_address: Any, **kwargs: Any
) -> None:
    link_user_to_person(user=email_address.user, email=email_address.email)


@receiver(user_logged_in)
def link_person_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        link_user_to_person(user=user, email=user.email)
