"""`manage.py serve`: the one-machine setup of `make run` — Django's development server and ONE Celery worker
with an embedded beat (the single scheduler, DESIGN.md "Scale"), started together and stopped together.

Both run as child processes of this command, each in its own process group, with the same Python and
environment. Ctrl-C / SIGTERM / SIGHUP stop both (the worker gets a warm shutdown first); if either dies, the
command says so, stops the other and exits non-zero. On Linux the children also get SIGTERM if this process is
killed outright (PR_SET_PDEATHSIG), so nothing is left running either way.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE = 15  # seconds a child gets to finish (the worker's current task) before it is killed
POLL = 0.5


class _Stop(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def ensure_broker_folders() -> list[Path]:
    """The filesystem broker's folders (settings.CELERY_BROKER_TRANSPORT_OPTIONS) must exist before anyone
    publishes or consumes; returns them (none for Redis)."""
    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem"):
        return []
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    folders = []
    # data_folder_in/out, processed_folder, control_folder (kombu's filesystem transport): whatever is configured.
    for key, value in sorted(options.items()):
        if (key.endswith("_folder") or key.startswith("data_folder")) and value:
            folder = Path(value)
            folder.mkdir(parents=True, exist_ok=True)
            if folder not in folders:
                folders.append(folder)
    return folders


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except Exception:  # noqa: S110 - best effort; the normal paths stop the children explicitly
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


class Command(BaseCommand):
    help = "Run the development web server and one Celery worker with embedded beat; Ctrl-C stops both."

    requires_system_checks = []  # the children run their own checks

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port for the web server")
        parser.add_argument("--loglevel", default="INFO", help="the worker's log level")

    def handle(self, *args, addr: str, loglevel: str, **options):
        ensure_broker_folders()
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
        commands = {
            "worker": [
                sys.executable, "-m", "celery", "-A", "jiedai", "worker", "-B",
                f"--loglevel={loglevel}", "--concurrency=1", f"--schedule={var / 'celerybeat-schedule'}",
            ],
            "web": [sys.executable, "-m", "django", "runserver", addr, "--noreload"],
        }  # fmt: skip

        children: dict[str, subprocess.Popen] = {}
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
        exit_message = None
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(
                    command,
                    cwd=settings.BASE_DIR,
                    env=env,
                    start_new_session=True,  # a group of its own: Ctrl-C comes here, and we stop it as a whole
                    preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                )
                self.stdout.write(f"serve: {name} started (pid {children[name].pid})")
            self.stdout.write(f"serve: http://{addr}/ — Ctrl-C stops the web server and the worker together")
            while exit_message is None:
                for name, child in children.items():
                    code = child.poll()
                    if code is not None:
                        exit_message = f"serve: the {name} process exited (code {code}); stopping everything"
                        break
                else:
                    time.sleep(POLL)
        except KeyboardInterrupt:
            self.stdout.write("serve: interrupted, stopping the web server and the worker")
        except _Stop as stop:
            self.stdout.write(f"serve: got {signal.Signals(stop.signum).name}, stopping the web server and the worker")
        finally:
            # Ignore further signals while shutting down: a half-done stop is how orphans are made.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            self._stop_all(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if exit_message:
            raise CommandError(exit_message)
        self.stdout.write("serve: stopped")

    def _on_signal(self, signum, frame):
        raise _Stop(signum)

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        # Ask the leaders first (the worker shuts its pool and beat down itself), then clear the groups.
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for name, child in children.items():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"serve: the {name} process did not stop in {STOP_GRACE}s; killing it")
                _signal_group(child.pid, signal.SIGKILL)
                child.wait()
        for child in children.values():
            if _group_alive(child.pid):  # leftovers of a leader that died (its pool, its beat)
                _signal_group(child.pid, signal.SIGTERM)
                deadline = time.monotonic() + 5
                while _group_alive(child.pid) and time.monotonic() < deadline:
                    time.sleep(0.1)
                _signal_group(child.pid, signal.SIGKILL)
