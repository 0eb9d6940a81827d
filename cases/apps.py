from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from agencies.services import REFERENCE_LOADERS
        from cases import checks  # noqa: F401  (registers the system checks)
        from cases.attachments import attachment_size_check
        from cases.kinds import birth, death  # noqa: F401  (registers the kinds the portal ships with)
        from cases.reference import cases_reference_seed
        from cases.services import extracts, notes, outbox, papers, steps
        from signing import services as signing

        if cases_reference_seed not in REFERENCE_LOADERS:
            REFERENCE_LOADERS.append(cases_reference_seed)
        if extracts.extract_problems not in steps.RESULT_CHECKS:
            steps.RESULT_CHECKS.append(extracts.extract_problems)
        if attachment_size_check not in signing.SIZE_CHECKS:  # a PDF brought to /verify/: the scans' limit
            signing.SIZE_CHECKS.append(attachment_size_check)
        outbox.TOPIC_HANDLERS.setdefault(notes.TOPIC, notes.note_deliver)  # the notice of a note
        signing.document_signed.connect(papers.document_signed, dispatch_uid="cases.papers.document_signed")
