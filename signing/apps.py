from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Signed documents")

    def ready(self) -> None:
        from signing import checks  # noqa: F401 - registers the checks
