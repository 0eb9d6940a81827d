"""Hospital notices (issue 13): the birth certificates (giấy chứng sinh) and death notices (giấy báo
tử) that health facilities send electronically, kept only until a dossier cites them or the
keeping period ends (HEALTH_NOTICE_KEEP_DAYS: Decree 13/2023, collect no more and keep no longer)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.choices import UserRole
from agencies.models import AdministrativeUnit, User
from cases.models import Bundle


class HealthFacility(models.Model):
    """A facility the province lets send notices: its code (mã cơ sở khám chữa bệnh, MACSKCB), the
    API client it posts as, and the certificate authorities whose certificates may sign for it."""

    code = models.CharField(_("facility code (MACSKCB)"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    client = models.OneToOneField(
        User,
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        related_name="health_facility",
        limit_choices_to={"role": UserRole.HEALTH_FACILITY},
    )
    ca_pem = models.TextField(
        _("certificate authorities (PEM)"),
        help_text=_("The CA certificates whose certificates may sign this facility's notices, in PEM, one or more."),
    )
    signer_ids = models.CharField(
        _("identifiers in its signing certificates"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the subject of this facility's own signing certificates carries (its tax code as the CA writes "
            "it, e.g. MST:2900325869, or its facility code), comma-separated. Required when its CA is registered "
            "for another facility too: a certificate of a CA two hospitals share is then bound to this one by it."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("health facility")
        verbose_name_plural = _("health facilities")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class NoticeKind(models.TextChoices):
    BIRTH = "birth", _("Birth certificate (giấy chứng sinh)")
    DEATH = "death", _("Death notice (giấy báo tử)")


class NoticeFormat(models.TextChoices):
    XML = "xml", _("Signed XML")
    FHIR = "fhir", _("FHIR R4 bundle")


class HealthNoticeQuerySet(models.QuerySet["HealthNotice"]):
    def restrict(self, user: Any, action: str = access.FILE) -> HealthNoticeQuerySet:
        """The notices `user` may take `action` on (agencies.access; filing a dossier from one):
        a citizen those offered to them; the desk and partner systems any."""
        if not access.may(user, action):
            return self.none()
        if user.role == UserRole.CITIZEN:
            return self.filter(offered_to=user.personal_id) if user.personal_id else self.none()
        return self


class HealthNotice(models.Model):
    facility = models.ForeignKey(HealthFacility, verbose_name=_("facility"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    certificate_number = models.CharField(_("number (SO)"), max_length=50)
    book = models.CharField(_("book (QUYEN_SO)"), max_length=50, blank=True)
    link_code = models.CharField(_("link code (MA_LK)"), max_length=100, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=NoticeFormat.choices)
    # The filing sections it fills, as the filing API takes them ("child", "mother", "father" /
    # "deceased", "death_notice"), and what a page says of it ("facts": the time, the weight).
    data = models.JSONField(_("data"))
    # Whose citizen area offers it: the mother (birth) or the relative named on the death notice.
    offered_to = models.CharField(_("offered to (personal ID number)"), max_length=12, db_index=True)
    event_at = models.DateTimeField(_("born or died at"))
    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("commune of residence (today's)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signer = models.CharField(_("signed by"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    bundle = models.ForeignKey(
        Bundle,
        verbose_name=_("dossier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="health_notices",
    )

    objects = HealthNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("hospital notice")
        verbose_name_plural = _("hospital notices")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind", "book", "certificate_number"], name="health_notice_one_per_certificate"
            )
        ]
        indexes = [models.Index(fields=["kind", "certificate_number"], name="health_notice_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.certificate_number}"

    @property
    def subject(self) -> dict[str, Any]:
        """The child or the deceased, as the filing sections hold them."""
        return dict(self.data.get("child" if self.kind == NoticeKind.BIRTH else "deceased") or {})


class NoticeAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    REPEATED = "repeated", _("Received again (same certificate)")
    CITED = "cited", _("Cited by a dossier")
    PURGED = "purged", _("Purged unused")
    OPENED = "opened", _("Opened in the administration (its personal data read)")


class NoticeEvent(models.Model):
    """The audit trail of notices. It outlives a purged notice, so it keeps the notice's id and
    number, never its personal data."""

    notice_id = models.BigIntegerField(_("notice"), db_index=True)
    facility = models.ForeignKey(HealthFacility, verbose_name=_("facility"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    certificate_number = models.CharField(_("number (SO)"), max_length=50)
    action = models.CharField(_("action"), max_length=10, choices=NoticeAction.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bundle_code = models.CharField(_("dossier"), max_length=30, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hospital notice event")
        verbose_name_plural = _("hospital notice events")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.certificate_number}"

    @classmethod
    def record(cls, notice: HealthNotice, action: str, actor: User | None = None, bundle_code: str = "") -> None:
        cls.objects.create(
            notice_id=notice.pk,
            facility_id=notice.facility_id,
            kind=notice.kind,
            certificate_number=notice.certificate_number,
            action=action,
            actor=actor,
            bundle_code=bundle_code,
        )
