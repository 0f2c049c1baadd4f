import pytest

from jiedai.notify.services import notify


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """notify() in a transaction whose on-commit callbacks run (eager Celery: delivery happens right there)."""

    def _send(**kwargs):
        kwargs.setdefault("kind", "approved")
        kwargs.setdefault("title", "已审批通过：客户来访")
        with django_capture_on_commit_callbacks(execute=True):
            return notify(**kwargs)

    return _send
