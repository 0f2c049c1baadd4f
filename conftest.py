"""Shared fixtures: the demo company's named people (a requester, their head, the supervising leader, the GM,
finance, administration and an outsider from another department)."""

import pytest


@pytest.fixture
def people(db):
    from jiedai.org.demo import ensure_demo_org

    return ensure_demo_org()
