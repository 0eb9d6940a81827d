from django.db import models
from django.utils.translation import gettext_lazy as _

# The kinds of bundle (birth, death) are registered modules, not choices: see cases/kinds/.


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    DIRECT = "direct", _("At the one-stop desk")
    POSTAL = "postal", _("By post")


class Source(models.TextChoices):
    """Who put the dossier into the portal: the reports split online dossiers by it."""

    DESK = "desk", _("One-stop desk")
    CITIZEN = "citizen", _("Citizen area (e-ID)")
    PARTNER = "partner", _("National portal and partner systems")


class BundleState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    PARTLY_COMPLETED = "partly_completed", _("Partly completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StepState(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier step")
    READY = "ready", _("Ready")
    IN_PROGRESS = "in_progress", _("Being handled")
    RETURNED = "returned", _("Awaiting documents")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED_STEP_STATES = frozenset({StepState.DONE, StepState.REFUSED, StepState.CANCELLED})


class Action(models.TextChoices):
    """What an audit event records."""

    FILED = "filed", _("Filed")
    UNLOCKED = "unlocked", _("Handed on")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Released")
    COMPLETED = "completed", _("Completed")
    RETURNED = "returned", _("Returned for supplement")
    SUPPLEMENTED = "supplemented", _("Documents supplied")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FINISHED = "finished", _("Finished")
    LATE = "late", _("Late: apology owed")
    ATTACHED = "attached", _("Document attached")
    HANDED_OFF = "handed_off", _("Delivered to the office")
    APOLOGISED = "apologised", _("Apology sent with a new appointment")
    HANDED_OVER = "handed_over", _("Results handed over")
    NOTIFIED = "notified", _("Notice sent to the citizen")
    NOTICES_STOPPED = "notices_stopped", _("The citizen stopped the notices")
    DOCUMENT_SIGNED = "document_signed", _("Document signed")
    EXTRACT_ATTACHED = "extract_attached", _("Electronic extract attached")
    RESCHEDULED = "rescheduled", _("Appointment date moved")
    ESCALATED = "escalated", _("Escalated")
    REASSIGNED = "reassigned", _("Reassigned by the head of office")


class AccessChannel(models.TextChoices):
    """Where someone read a dossier's personal data (PersonalDataAccess.channel)."""

    WEB = "web", _("Portal pages")
    PDF = "pdf", _("Printed document (PDF)")
    API = "api", _("Partner system (API)")
    ADMIN = "admin", _("Administration")


class ReadKind(models.TextChoices):
    """How a dossier's personal data was read (PersonalDataAccess.kind): the dossier appeared in a
    list someone opened (the desk's list, an officer's queue, an API page), or was opened itself
    (its page, a printed document, the API's dossier, the administration)."""

    LISTED = "list", _("Seen in a list")
    OPENED = "open", _("Opened the dossier")


class Rung(models.IntegerChoices):
    """Who hears of a step (or an online dossier) that sits too long: the escalation ladder."""

    HOLDER = 1, _("The officer holding it, or the office")
    HEAD = 2, _("The head of the office")
    PROVINCE = 3, _("The provincial office")


class LadderReason(models.TextChoices):
    """Why a step or a dossier is on the escalation ladder."""

    UNCLAIMED = "unclaimed", _("Nobody claimed it")
    DUE_SOON = "due_soon", _("Due today or on the next working day")
    OVERDUE = "overdue", _("Overdue")
    UNRECEIVED = "unreceived", _("Filed online, not taken up by the desk")
