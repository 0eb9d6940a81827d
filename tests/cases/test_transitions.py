"""Every edge of the two state machines, and every edge that is not there."""

import re
from pathlib import Path

import django_fsm as fsm
import pytest

from cases.choices import BundleState, StepState
from cases.models import Bundle, Step

STEP_EDGES = {
    "unlock": {StepState.WAITING: StepState.READY},
    "claim": {StepState.READY: StepState.IN_PROGRESS},
    "release": {StepState.IN_PROGRESS: StepState.READY},
    "reassign": {StepState.READY: StepState.IN_PROGRESS, StepState.IN_PROGRESS: StepState.IN_PROGRESS},
    "complete": {StepState.READY: StepState.DONE, StepState.IN_PROGRESS: StepState.DONE},
    "return_for_supplement": {StepState.READY: StepState.RETURNED, StepState.IN_PROGRESS: StepState.RETURNED},
    "resume": {StepState.RETURNED: StepState.READY},
    "refuse": {
        StepState.READY: StepState.REFUSED,
        StepState.IN_PROGRESS: StepState.REFUSED,
        StepState.RETURNED: StepState.REFUSED,
    },
    "cancel": {
        StepState.WAITING: StepState.CANCELLED,
        StepState.READY: StepState.CANCELLED,
        StepState.IN_PROGRESS: StepState.CANCELLED,
        StepState.RETURNED: StepState.CANCELLED,
    },
}
BUNDLE_EDGES = {
    "complete": {BundleState.IN_PROGRESS: BundleState.COMPLETED},
    "complete_partly": {BundleState.IN_PROGRESS: BundleState.PARTLY_COMPLETED},
    "refuse": {BundleState.IN_PROGRESS: BundleState.REFUSED},
    "withdraw": {BundleState.IN_PROGRESS: BundleState.WITHDRAWN},
}


def drawn(model):
    graph: dict[str, dict[str, str]] = {}
    for transition in model._meta.get_field("state").get_all_transitions(model):
        graph.setdefault(transition.name, {})[transition.source] = transition.target
    return graph


def test_the_step_machine_has_exactly_these_edges():
    assert drawn(Step) == STEP_EDGES


def test_the_bundle_machine_has_exactly_these_edges():
    assert drawn(Bundle) == BUNDLE_EDGES


@pytest.mark.parametrize("state", StepState.values)
@pytest.mark.parametrize("name", STEP_EDGES)
def test_a_step_transition_is_open_exactly_from_its_sources(name, state):
    step = Step(state=state)

    assert fsm.can_proceed(getattr(step, name)) is (state in STEP_EDGES[name])


@pytest.mark.parametrize("state", BundleState.values)
@pytest.mark.parametrize("name", BUNDLE_EDGES)
def test_a_bundle_transition_is_open_exactly_from_its_sources(name, state):
    bundle = Bundle(state=state)

    assert fsm.can_proceed(getattr(bundle, name)) is (state in BUNDLE_EDGES[name])


@pytest.mark.parametrize(("model", "name"), [(Step, "step-states.dot"), (Bundle, "bundle-states.dot")])
def test_the_graphs_in_docs_are_drawn_from_the_current_code(model, name):
    """`make graphs` redraws them; this fails when a transition changed and they were not."""
    text = (Path(__file__).resolve().parents[2] / "docs" / name).read_text(encoding="utf-8")
    edges = re.findall(r'"[^"]*\.state\.(\w+)" -> "[^"]*\.state\.(\w+)" \[label=(\w+)\]', text)

    graph: dict[str, dict[str, str]] = {}
    for source, target, transition in edges:
        graph.setdefault(transition, {})[source] = target
    assert graph == drawn(model)
