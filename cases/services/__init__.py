"""Writes of the case engine, one module per noun (as Zulip's zerver/actions/):

- audit: the audit trail, the outbox, the bundle lock and taking one transition (shared plumbing);
- filing: checking, routing and filing a dossier, from any channel;
- steps: the officers' actions on a step and what follows a finished step;
- desk: the one-stop desk's actions on a dossier (documents supplied, withdrawal, hand-over, scans);
- timed: the jobs beat runs (supplement timeout, lateness);
- outbox: delivering the outbox (hand-offs to offices, notices to citizens);
- notes: notes between the offices working a dossier.
- ladder: the escalation ladder's climb (beat) and a head reassigning a step.

Every service owns its transaction, locks the bundle row before its steps (in pk order), calls the
state machine's transition, saves, and writes an audit event and any outbox message in the same
transaction; the outbox is published to the workers once the transaction commits. Callers import
this package (`from cases import services`); the names below are its public surface.
"""

from cases.reads import personal_data_access_record
from cases.services.desk import attachment_add, bundle_actions, bundle_hand_over, bundle_supplement, bundle_withdraw
from cases.services.filing import DESK_CHANNELS, Document, FilingPlan, bundle_file, bundle_preview
from cases.services.ladder import ladder_climb, office_officers, step_reassign
from cases.services.notes import note_add
from cases.services.outbox import bundle_notices_stop, outbox_deliver, outbox_pending
from cases.services.steps import (
    refusal_problems,
    return_problems,
    step_actions,
    step_actions_by_row,
    step_apologise,
    step_claim,
    step_complete,
    step_refuse,
    step_release,
    step_result_problems,
    step_return,
)
from cases.services.timed import lateness_record, supplements_expire

__all__ = [
    "DESK_CHANNELS",
    "Document",
    "FilingPlan",
    "attachment_add",
    "bundle_actions",
    "bundle_file",
    "bundle_hand_over",
    "bundle_notices_stop",
    "bundle_preview",
    "bundle_supplement",
    "bundle_withdraw",
    "ladder_climb",
    "lateness_record",
    "note_add",
    "office_officers",
    "outbox_deliver",
    "outbox_pending",
    "personal_data_access_record",
    "refusal_problems",
    "return_problems",
    "step_actions",
    "step_actions_by_row",
    "step_apologise",
    "step_claim",
    "step_complete",
    "step_reassign",
    "step_refuse",
    "step_release",
    "step_result_problems",
    "step_return",
    "supplements_expire",
]
