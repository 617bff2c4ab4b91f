from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlungeConfig(AppConfig):
    name = "equityhub.plunge"
    label = "plunge"
    verbose_name = _("Medical Plunge")
