from django.conf import settings
from django.db import models


class Citizen(models.Model):
    """A person the provider vouches for, with what its ID token says about them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen")
    personal_id = models.CharField(max_length=12, unique=True)
    full_name = models.CharField(max_length=100)
    birthdate = models.DateField()
    level = models.PositiveSmallIntegerField(default=2)  # e-ID assurance level: the `acr` claim

    objects: "models.Manager[Citizen]" = models.Manager()  # declared: the portal's type check does not load this app

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"
