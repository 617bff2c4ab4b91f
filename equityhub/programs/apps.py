from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "equityhub.programs"
    label = "programs"
    verbose_name = _("Pathway programs")

    def ready(self) -> None:
        from equityhub.programs import receivers  # noqa: F401, PLC0415
