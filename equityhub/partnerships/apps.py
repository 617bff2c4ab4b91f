from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "equityhub.partnerships"
    label = "partnerships"
    verbose_name = _("Consortium for Community Partnerships")
