from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Places, agencies and people")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from rest_framework.authtoken.models import Token, TokenProxy

        from agencies.models import AdministrativeUnit, Jurisdiction, Office, User
        from agencies.selectors import routing_cache_clear
        from portal.authentication import failure_counted, token_changed, token_holder_changed

        user_login_failed.connect(failure_counted, dispatch_uid="sign-in-failures-per-address")

        # A token revoked, or its holder changed, is refused or read again at once by every process
        # (portal.authentication: the cache remembers tokens for API_TOKEN_CACHE_SECONDS).
        # (Deleting a user deletes their token, which says so itself.)
        for name, signal in (("save", post_save), ("delete", post_delete)):
            for token_model in (Token, TokenProxy):  # the admin deletes TokenProxy rows
                signal.connect(token_changed, sender=token_model, dispatch_uid=f"token-{name}-{token_model.__name__}")
        post_save.connect(token_holder_changed, sender=User, dispatch_uid="token-holder-save")

        # A unit, office or jurisdiction saved in this process applies at once here (the admin, the
        # reference-data commands, tests); other processes see it within the cache's minute.
        for model in (AdministrativeUnit, Jurisdiction, Office):
            for signal in (post_save, post_delete):
                signal.connect(lambda **_kwargs: routing_cache_clear(), sender=model, weak=False)
