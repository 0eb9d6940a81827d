"""The filing serializer's fields are built once per process for each kind and copied for each
dossier: every serializer has its own field objects, bound to it, and nothing one dossier's check
leaves behind is seen by another's (issue 32)."""

import threading
from typing import Any

from rest_framework import serializers

from cases.api.serializers import BundleCreateSerializer
from tests.cases.conftest import birth, death


def every_field(fields):
    """Every field object under `fields`: nested serializers' fields and lists' children too."""
    for field in fields.values():
        yield field
        if isinstance(field, serializers.Serializer):
            yield from every_field(field.fields)
        if isinstance(getattr(field, "child", None), serializers.Field):
            yield field.child


def test_each_serializer_has_its_own_fields_bound_to_it():
    first = BundleCreateSerializer(data=birth(), context={"who": "first"})
    second = BundleCreateSerializer(data=birth(), context={"who": "second"})

    first_fields, second_fields = list(every_field(first.fields)), list(every_field(second.fields))
    mine: Any = first.fields
    theirs: Any = second.fields

    assert len(first_fields) == len(second_fields) == 46
    assert {id(field) for field in first_fields}.isdisjoint(id(field) for field in second_fields)
    assert {field.root for field in first_fields} == {first}
    assert {field.root for field in second_fields} == {second}
    assert mine["residence"].fields["household_head"].fields["id_number"].context == {"who": "first"}
    assert theirs["residence"].fields["household_head"].fields["id_number"].context == {"who": "second"}
    assert mine["procedures"].child.parent is mine["procedures"]


def test_the_fields_of_a_dossier_are_those_of_its_kind():
    assert list(BundleCreateSerializer(data=birth()).fields)[-5:] == [
        "child",
        "mother",
        "father",
        "residence",
        "insurance",
    ]
    assert list(BundleCreateSerializer(data=death()).fields)[-5:] == [
        "deceased",
        "death_notice",
        "survivor_benefit",
        "funeral_category",
        "funeral_answers",
    ]
    assert len(BundleCreateSerializer().fields) == 23  # the schema's: every kind's


def test_a_refused_dossier_leaves_nothing_to_the_next_one():
    refused = BundleCreateSerializer(data=birth(child__sex="other", residence__household_head__id_number="1"))
    accepted = BundleCreateSerializer(data=birth())

    assert refused.is_valid() is False
    assert accepted.is_valid() is True
    assert accepted.errors == {}
    assert refused.errors == {
        "child": {"sex": ['"other" không phải là một lựa chọn hợp lệ.']},
        "residence": {"household_head": {"id_number": ["Trường này phải có ít nhất 12 ký tự."]}},
    }
    assert accepted.validated_data["child"]["sex"] == "female"


def test_dossiers_checked_in_threads_at_once_each_get_their_own_answer():
    sexes = ["male", "female", "other", "male"] * 4
    answers: dict[int, list[object]] = {i: [] for i in range(len(sexes))}
    start = threading.Barrier(len(sexes))

    def check(i: int) -> None:
        start.wait()
        for _ in range(30):
            serializer = BundleCreateSerializer(data=birth(child__sex=sexes[i]))
            answers[i].append(serializer.validated_data["child"]["sex"] if serializer.is_valid() else serializer.errors)

    threads = [threading.Thread(target=check, args=(i,)) for i in range(len(sexes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expected = {
        "male": "male",
        "female": "female",
        "other": {"child": {"sex": ['"other" không phải là một lựa chọn hợp lệ.']}},
    }
    assert answers == {i: [expected[sex]] * 30 for i, sex in enumerate(sexes)}
