from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Places, agencies and people")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from agencies.models import AdministrativeUnit, Jurisdiction, Office
        from agencies.selectors import routing_cache_clear
        from portal.authentication import failure_counted

        user_login_failed.connect(failure_counted, dispatch_uid="sign-in-failures-per-address")

        # A unit, office or jurisdiction saved in this process applies at once here (the admin, the
        # reference-data commands, tests); other processes see it within the cache's minute.
        for model in (AdministrativeUnit, Jurisdiction, Office):
            for signal in (post_save, post_delete):
                signal.connect(lambda **_kwargs: routing_cache_clear(), sender=model, weak=False)
