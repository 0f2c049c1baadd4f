"""Whitelisted JSON conditions: evaluation and validation (never eval)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiedai.approvals.conditions import ConditionError, evaluate, validate_condition
from jiedai.approvals.seeds import GM_CONDITION


def fixed(key):
    return {"gm_cost_threshold": "20000.00"}[key]


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        ({"importance": "normal", "estimated_cost": "20000.00"}, False),
        ({"importance": "normal", "estimated_cost": "20000.01"}, True),
        ({"importance": "important", "estimated_cost": "0"}, True),
        ({"importance": "major", "estimated_cost": None}, True),
        ({"importance": "normal", "estimated_cost": None}, False),
    ],
)
def test_gm_condition__2_2_2(snapshot, expected):
    assert evaluate(GM_CONDITION, snapshot, fixed) is expected


def test_operators():
    snap = {"n": 3, "tags": ["a", "b"], "s": "", "x": "abc"}
    assert evaluate({"field": "n", "gte": 3}, snap, fixed)
    assert evaluate({"field": "n", "lt": "3.5"}, snap, fixed)
    assert evaluate({"field": "tags", "contains": "a"}, snap, fixed)
    assert evaluate({"field": "s", "empty": True}, snap, fixed)
    assert evaluate({"not": {"field": "x", "in": ["y"]}}, snap, fixed)
    assert evaluate({"all": [{"field": "n", "ne": 4}, {"field": "x", "not_in": ["z"]}]}, snap, fixed)
    assert not evaluate({"field": "missing", "gt": 1}, snap, fixed)
    assert evaluate(None, snap, fixed)


@pytest.mark.parametrize(
    "bad",
    [
        "importance == 'major'",
        {"field": "a", "gt": 1, "lt": 2},
        {"field": "a", "exec": "x"},
        {"all": []},
        {"any": [{"field": "a", "eq": 1}], "field": "b"},
        {"field": "a", "in": "abc"},
        {"field": "a", "gt": {"setting": "unknown"}},
        {"field": "__class__", "eq": {"setting": "x", "y": 1}},
    ],
)
def test_invalid_conditions_are_refused(bad):
    with pytest.raises(ConditionError):
        validate_condition(bad)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
        max_leaves=10,
    )
)
def test_validation_never_crashes_on_arbitrary_json(value):
    try:
        validate_condition(value)
    except ConditionError:
        pass
