"""Signed documents (issue 14): the signing keys of the offices and of the people who act, the rule
of who signs which kind of document, and every document the portal issued with its signed file."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import AdministrativeUnit, Office, User


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt and appointment slip")
    SUPPLEMENT_REQUEST = "supplement_request", _("Request to supply documents")
    REFUSAL = "refusal", _("Refusal slip")
    APOLOGY = "apology", _("Apology letter")
    REPORT = "report", _("Periodic report")


class SignerKind(models.TextChoices):
    ORGANISATION = "organisation", _("The issuing body (organisation certificate)")
    PERSON = "person", _("The person who acted (personal certificate)")


class SigningRule(models.Model):
    """Who signs one kind of document: the issuing body (the commune's or province's People's
    Committee, or the office) with its organisation certificate, or the person who acted with their
    own. A kind without a rule is signed by the issuing body."""

    document = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices, unique=True)
    signer = models.CharField(_("signed by"), max_length=20, choices=SignerKind.choices)

    class Meta:
        verbose_name = _("signing rule")
        verbose_name_plural = _("signing rules")
        ordering = ["document"]

    def __str__(self) -> str:
        return f"{self.get_document_display()}: {self.get_signer_display()}"


class SigningKey(models.Model):
    """A certificate and where its private key is, held by exactly one of: a commune's or province's
    People's Committee (its one-stop desk), an office, a person. `key` is read by the key store
    the SIGNING_KEY_STORE setting names: a PKCS#12 file's name under SIGNING_KEY_DIR, a key label on
    the PKCS#11 token, or a credential id at the remote signing service."""

    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("People's Committee of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signing_keys",
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, null=True, blank=True, related_name="signing_keys"
    )
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True, related_name="signing_keys"
    )
    key = models.CharField(_("key"), max_length=300)
    certificate = models.BinaryField(_("certificate (DER)"))
    subject = models.CharField(_("subject"), max_length=300)
    not_after = models.DateTimeField(_("valid until"))
    demo = models.BooleanField(
        _("demo"), default=False, help_text=_("Made by demo_pki: never trusted outside the demo.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, office__isnull=True, user__isnull=True)
                    | Q(unit__isnull=True, office__isnull=False, user__isnull=True)
                    | Q(unit__isnull=True, office__isnull=True, user__isnull=False)
                ),
                name="signing_key_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class IssuedDocument(models.Model):
    """A document the portal issued. Written when someone asks for it, with the HTML it says (its
    content hash names it: the same content asked again is the same document); a worker on the
    signing queue lays it out, signs it and stores the signed file, and only then may it be
    downloaded. The row is its own outbox: one not yet signed is published again by the sweeper."""

    kind = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices)
    content_sha256 = models.CharField(_("content hash"), max_length=64, unique=True)
    bundle = models.ForeignKey(  # by name: signing imports nothing of the engine
        "cases.Bundle",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    key = models.ForeignKey(SigningKey, verbose_name=_("signing key"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=100)
    html = models.TextField(blank=True)  # what it says, until it is signed
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    sha256 = models.CharField(_("signed file hash"), max_length=64, blank=True, db_index=True)
    signer = models.CharField(_("signer"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    problem = models.CharField(_("last signing problem"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(signed_at__isnull=True), name="document_unsigned"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    @staticmethod
    def hash_of(html: str) -> str:
        return hashlib.sha256(html.encode()).hexdigest()
