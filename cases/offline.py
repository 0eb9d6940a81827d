"""Offline capture at the desk (issue 31): what the server knows of a dossier a device captured
without a network and sends later.

- **The time of receipt** of such a dossier is when the citizen was at the desk (`captured_at`),
  so an outage does not eat the commune's legal time; it is bounded (never after the server's
  clock beyond a small drift, never older than OFFLINE_CAPTURE_DAYS) and recorded on the filing's
  audit event beside the local number the provisional slip carried.
- **The device's key.** A device keeps what it captured encrypted: each dossier under a key agreed
  (ECDH P-256) between a key of its own and the clerk's public key, which the device keeps; the
  clerk's private key, which alone opens them, is given only to the signed-in clerk, when online,
  and held in the page's memory. A copy of the browser's profile holds ciphertext and a public key.
  Each clerk's key pair is derived from the portal's SECRET_KEY, so nothing is stored; a new
  SECRET_KEY makes what devices still hold unreadable (README: send what waits before rotating)."""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from agencies.choices import UserRole
from cases import kinds
from cases.attachments import SIGNATURES
from cases.selectors import bundle_filed_under_key
from portal.errors import Invalid

# The order of the P-256 group: a private key is a number in [1, ORDER - 1].
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
DRIFT = datetime.timedelta(minutes=5)  # a device's clock ahead of the server's by this much is taken as now


def received_at(user: Any, data: dict[str, Any], *, now: datetime.datetime) -> datetime.datetime | None:
    """The time of receipt of a dossier captured offline (None when it was not), checked."""
    captured = data.get("captured_at")
    if captured is None:
        return None
    if user.role != UserRole.CLERK:
        raise Invalid({"captured_at": [_("Only the one-stop desk sends dossiers captured offline.")]})
    if captured > now + DRIFT:
        raise Invalid(
            {"captured_at": [_("The time of capture is in the future: check the date and time of the device.")]}
        )
    oldest = now - datetime.timedelta(days=settings.OFFLINE_CAPTURE_DAYS)
    if captured < oldest:
        raise Invalid(
            {
                "captured_at": [
                    _(
                        "Captured offline more than %(days)s days ago: the portal cannot take it as received "
                        "then. Enter it again at the desk as received today."
                    )
                    % {"days": settings.OFFLINE_CAPTURE_DAYS}
                ]
            }
        )
    return min(captured, now)


def received_on(captured: datetime.datetime) -> datetime.date:
    """The day a capture counts as received (a device's clock ahead of the server's: today)."""
    return timezone.localdate(min(captured, timezone.now()))


def filed_before(user: Any, *, key: str, local_number: str) -> Any:
    """The dossier a device's capture was filed as, if it was (the Bundle, else None). A key is
    made for one capture (a corrected one gets a new key): the same key and local number again are
    that dossier, even if what its form leads to changed meanwhile (a form default, a variant's
    rows), so that a device whose first answer was lost never files it twice."""
    earlier = bundle_filed_under_key(user=user, key=key) if key else None
    return earlier if earlier is not None and earlier.data.get("local_number") == local_number else None


def filed_data(data: dict[str, Any]) -> dict[str, Any] | None:
    """What the filing's audit event records of an offline capture: when and under which number."""
    if data.get("captured_at") is None:
        return None
    return {
        "captured_at": timezone.localtime(data["captured_at"]).isoformat(),
        "local_number": data.get("local_number", ""),
    }


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def messages() -> dict[str, str]:
    """What the device's script says, in the page's language ({n}, {time}, {number}: filled in)."""
    return _messages(translation.get_language())


@functools.cache
def _messages(language: str | None) -> dict[str, str]:
    """The script's texts in one language, made once per process (every desk page carries them)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: dossiers are kept on this computer"),
        "signin": _("Signed out, or signed in as another clerk: sign in again to send what waits"),
        "waiting_none": _("Nothing waiting to be sent"),
        "waiting": _("{n} dossier(s) waiting to be sent"),
        "refused_some": _("{n} refused: to correct"),
        "last_sync": _("Last sent: {time}"),
        "never_synced": _("Not sent yet"),
        "others": _(
            "{n} dossier(s) captured under another account wait on this computer: that account must sign "
            "in to send them."
        ),
        "state_waiting": _("Waiting to be sent"),
        "state_filed": _("Received by the portal: sending scans ({sent} of {total})"),
        "state_sent": _("Sent"),
        "state_refused": _("Refused: to correct"),
        "state_unreadable": _("Cannot be opened: it was captured under a key the portal no longer has"),
        "scan_refused": _("Scan {n} refused: {message} Download it and attach it on the dossier's page."),
        "scan_download": _("Download it"),
        "scan_done": _("Attached: remove it from this computer"),
        "trouble": _("Not sent yet: the portal answered {what}. Tried again by itself."),
        "not_saved": _(
            "Nothing was saved on this computer ({what}). Free some space or use another browser, then save again."
        ),
        "signout_offline": _(
            "Signing out needs the network: the portal must close the session. Sign out once the network is back."
        ),
        "correct": _("Correct"),
        "discard": _("Discard"),
        "discard_confirm": _(
            "Discard dossier {number}? It was not filed: the citizen's dossier must then be entered again."
        ),
        "receipt": _("Print the receipt"),
        "saved": _("Saved on this computer as {number}. Print the provisional slip for the citizen."),
        "updated": _("Corrected: {number} will be sent again."),
        "no_key": _("This computer is not ready to capture offline: open the desk once while online."),
        "slip_number": _("Local number"),
        "slip_captured": _("Received at the desk"),
        "slip_commune": _("Commune"),
        "slip_clerk": _("Clerk"),
        "slip_procedures": _("Procedures asked for"),
        "slip_scans": _("Scanned documents"),
        "slip_scans_none": _("none"),
        "scan_kind_missing": _("Say which document this is."),
        "scan_type": _("Only PDF, JPEG or PNG files are accepted."),
        "scan_size": _("The file is larger than {mb} MB."),
        "signout_pending": _(
            "{n} dossier(s) captured offline are not yet confirmed by the portal. Signing out deletes them "
            "from this computer. Sign out anyway?"
        ),
        "kept_scans": _("Kept on this computer with the dossier: {list}. Choose files below only to add more."),
    }


def clerk_keys(user: Any) -> dict[str, Any]:
    """The clerk's key pair as JSON Web Keys (what WebCrypto imports), and its id."""
    return _keys(user.pk, settings.SECRET_KEY)


@functools.lru_cache(maxsize=4096)
def _keys(pk: int, secret: str) -> dict[str, Any]:
    """Made once per clerk and SECRET_KEY in a process (every desk page carries the public key)."""
    seed = salted_hmac("cases.offline.clerk-key", str(pk), secret=secret, algorithm="sha256").digest()
    private = ec.derive_private_key(int.from_bytes(seed, "big") % (ORDER - 1) + 1, ec.SECP256R1())
    numbers = private.public_key().public_numbers()
    public = {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x), "y": _b64(numbers.y)}
    kid = hashlib.sha256(f"{public['x']}.{public['y']}".encode()).hexdigest()[:16]
    return {
        "kid": kid,
        "public": public,
        "private": {**public, "d": _b64(private.private_numbers().private_value)},
    }


def device_settings(user: Any) -> dict[str, Any]:
    """What the desk's pages give their script (static/js/offline.js), to work offline: who the
    clerk is, how long the device keeps what it sent, and where things are. Every desk page has
    it (the outbox sends from any of them), so it reads nothing from the database."""
    keys = clerk_keys(user)
    return {
        "user": user.pk,
        "key": {"kid": keys["kid"], "public": keys["public"]},  # what seals; only the server's private key opens
        "kinds": {kind.code: str(kind.label) for kind in kinds.registered()},
        "messages": messages(),
        "capture_days": settings.OFFLINE_CAPTURE_DAYS,
        "keep_hours": settings.OFFLINE_SENT_KEEP_HOURS,
        "scan_types": sorted(SIGNATURES.values()),
        "urls": _urls(),
    }


@functools.cache
def _urls() -> dict[str, str]:
    """Where the script finds things (KIND, CODE: filled in by it)."""
    return {
        "key": reverse("cases:offline-key"),
        "outbox": reverse("cases:offline"),
        "file": reverse("cases:offline-file", args=["KIND"]),
        "capture": reverse("cases:offline-capture", args=["KIND"]),
        "bundle": reverse("cases:bundle", args=["CODE"]),
        "receipt": reverse("cases:receipt", args=["CODE"]),
        "attachments": "/api/v1/bundles/CODE/attachments/",
        "check": "/api/v1/bundles/CODE/",
        "worker": reverse("offline-worker"),
    }
