"""Shared fixtures: the demo company's named people (a requester, their head, the supervising leader, the GM,
finance, administration and an outsider from another department) and the policy's flows."""

import pytest


@pytest.fixture
def people(db):
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org

    ensure_seed_flows()  # transactional tests flush the rows the data migration seeded
    return ensure_demo_org()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches (list totals, see receptions.selectors.ReceptionListing; pages, see
    core.page_cache)."""
    from django.core.cache import caches

    for alias in ("default", "pages"):
        caches[alias].clear()
    yield


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request in another language leaves it active in the thread: every test ends back in the default one."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
