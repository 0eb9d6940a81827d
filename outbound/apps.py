from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = _("Connections out")

    def ready(self) -> None:
        from cases.services.outbox import CHANGE_SUBSCRIBERS
        from outbound.services import deliveries_add

        if deliveries_add not in CHANGE_SUBSCRIBERS:  # every change of a dossier, to whom it concerns
            CHANGE_SUBSCRIBERS.append(deliveries_add)
