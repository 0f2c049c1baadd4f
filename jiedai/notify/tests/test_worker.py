"""End to end with a real Celery worker process on Redis: commit → broker → worker → database and mailbox.

The worker is a separate process, so it must reach the test database: the SQLite test database is a file
(settings: DATABASES TEST NAME), the PostgreSQL one a server; either way the worker gets a DATABASE_URL that
points at it. The test itself is transactional (real commits), or the worker would see nothing.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction

from jiedai.celery import app
from jiedai.notify.models import Notification, OutboxMessage, OutboxStatus
from jiedai.notify.services import notify

REDIS_URL = os.environ.get("JIEDAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TIMEOUT = 30


def require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {url}: {exc}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)


def database_url_for_worker() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.fail("the worker needs a file-backed SQLite test database (DATABASES TEST NAME)")
        return f"sqlite:///{Path(name).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = quote(db["HOST"] or "", safe="")
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.fail(f"no DATABASE_URL recipe for {db['ENGINE']}")


def reset_producer_pools() -> None:
    # The app caches its broker connection pools; after changing broker_url they must be rebuilt.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_publishing_to(broker_url: str, queue: str):
    """Make this process publish for real (not eager) to `broker_url`, routing deliveries to `queue`."""
    keys = ["task_always_eager", "broker_url", "broker_transport_options", "task_routes"]
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=broker_url,
        broker_transport_options={"visibility_timeout": 3600},
        # A queue of our own: another test run on the same Redis cannot steal (or feed) our messages.
        task_routes={"jiedai.notify.tasks.*": {"queue": queue}},
    )
    reset_producer_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_producer_pools()


def start_worker(*, queue: str, broker_url: str, mail_dir: Path, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiedai.settings_test",
        "JIEDAI_ENV": "test",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url_for_worker(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "jiedai", "worker",
        "--pool=solo", "--concurrency=1", "-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            command,
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def forget_queue(url: str, queue: str) -> None:
    """Remove the queue and kombu's bindings for it, so test runs leave no keys behind."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_committed_notifications(people, settings, tmp_path):
    require_redis(REDIS_URL)
    queue = f"jiedai-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # for readers of the Django setting; Celery itself is set below
    settings.CELERY_BROKER_URL = REDIS_URL
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    worker = start_worker(queue=queue, broker_url=REDIS_URL, mail_dir=mail_dir, log_path=log_path)
    try:
        with celery_publishing_to(REDIS_URL, queue):
            with transaction.atomic():
                (notification,) = notify(
                    recipients=[people["sales_rep"], people["sales_rep"]],
                    kind="approved",
                    title="已审批通过：华东客户来访",
                    url="/receptions/7/",
                )
                # Nothing is queued before the commit.
                assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 2

        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            statuses = set(OutboxMessage.objects.values_list("status", flat=True))
            mails = list(mail_dir.iterdir())
            if statuses == {OutboxStatus.SENT} and mails:
                break
            if worker.poll() is not None:
                break
            time.sleep(0.25)
        log = log_path.read_text(errors="replace")
        assert statuses == {OutboxStatus.SENT}, f"outbox {statuses} after {TIMEOUT}s; worker log:\n{log}"
        assert len(mails) == 1, log
        content = mails[0].read_text()
        assert "sales_rep@example.com" in content
        assert "/receptions/7/" in content
        assert Notification.objects.get(pk=notification.pk).delivered_at is not None
        assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    finally:
        stop(worker)
        forget_queue(REDIS_URL, queue)
