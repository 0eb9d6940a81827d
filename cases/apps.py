from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from agencies.services import REFERENCE_LOADERS
        from cases import checks  # noqa: F401  (registers the system checks)
        from cases.kinds import birth, death  # noqa: F401  (registers the kinds the portal ships with)
        from cases.reference import cases_reference_seed

        if cases_reference_seed not in REFERENCE_LOADERS:
            REFERENCE_LOADERS.append(cases_reference_seed)
