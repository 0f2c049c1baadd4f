"""`manage.py serve` (jiedai.core): the web server and the notification worker, started and stopped together.

The process test uses Redis as the broker so it can never consume the messages of a developer's `make run`
(the filesystem broker's folders are shared by everything running from this checkout).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings as django_settings

from jiedai.core.management.commands.serve import ensure_broker_folders
from jiedai.notify.tests.test_worker import REDIS_URL, require_redis


def test_creates_the_filesystem_broker_folders(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "broker" / "out"),
        "data_folder_out": str(tmp_path / "broker" / "out"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
        "control_folder": str(tmp_path / "broker" / "control"),
        "store_processed": False,
    }
    folders = ensure_broker_folders()
    assert sorted(folders) == [tmp_path / "broker" / name for name in ("control", "out", "processed")]
    assert all(folder.is_dir() for folder in folders)
    assert ensure_broker_folders() == folders  # idempotent


def test_no_folders_for_redis(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert ensure_broker_folders() == []


def test_sweep_is_on_the_beat_schedule():
    from jiedai.celery import app
    from jiedai.notify import tasks

    entry = app.conf.beat_schedule["notify.sweep_outbox"]
    assert entry["task"] == tasks.sweep_outbox.name
    assert entry["schedule"] == tasks.SWEEP_EVERY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(predicate, timeout: float, what: str, log_path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; log:\n{log_path.read_text(errors='replace')}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def serve(tmp_path):
    """Start `manage.py serve` on a free port; yields (process, port, log path, child pids)."""
    require_redis(REDIS_URL)
    port = _free_port()
    log_path = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiedai.settings_test",
        "JIEDAI_ENV": "test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    started = []
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--addr", f"127.0.0.1:{port}"],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started.append(process.pid)
    try:
        _wait_for(lambda: "web started" in log_path.read_text(errors="replace"), 20, "the children", log_path)
        pids = {name: int(pid) for name, pid in re.findall(r"serve: (\w+) started \(pid (\d+)\)", log_path.read_text())}
        started.extend(pids.values())
        _wait_for(lambda: _healthy(port), 30, "the web server", log_path)
        _wait_for(lambda: " ready." in log_path.read_text(errors="replace"), 30, "the worker", log_path)
        yield process, port, log_path, pids
    finally:
        for pgid in started:  # whatever the test did, leave nothing running
            if _group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)
        if process.poll() is None:
            process.wait(timeout=10)


@pytest.mark.redis
def test_sigterm_stops_the_web_server_and_the_worker_together(serve):
    process, port, log_path, pids = serve
    assert set(pids) == {"worker", "web"}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0, log_path.read_text()
    assert not _healthy(port)
    for name, pid in pids.items():
        assert not _group_alive(pid), f"the {name} process group outlived serve"
    assert "serve: stopped" in log_path.read_text()


@pytest.mark.redis
def test_a_dead_worker_stops_everything_and_says_so(serve):
    process, port, log_path, pids = serve
    os.killpg(pids["worker"], signal.SIGKILL)
    assert process.wait(timeout=40) != 0
    log = log_path.read_text()
    assert "the worker process exited" in log
    assert not _healthy(port)
    assert not _group_alive(pids["web"])
