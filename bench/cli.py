"""`python -m bench`: seed, serve, load, compare with a bare view, report (see bench/README.md).

The orchestrator never imports Django: seeding, query counting and the approve pool run in `bench.worker`
subprocesses (one database each), the app runs in gunicorn, and the load comes from `bench.load`.

Pages and their bare comparison are measured in alternating slices (bare, page, bare, page, ... on each size in
turn), so a neighbour's CPU load or a slow minute hits both sides of every ratio and both sizes alike.
"""

import argparse
import asyncio
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench import endpoints as ep
from bench.dbs import BENCH_DIR, ROOT, Database, schema_hash
from bench.load import HttpError, Session, SliceResult, percentile, run_slice
from bench.server import Server, stop_all

THROUGHPUT_BAR = 0.25  # a read page keeps at least 25% of the bare view's throughput at the big size
GROWTH_BAR = 0.20  # and its median latency grows by less than 20% from the small size to the big one
MAX_ERROR_RATE = 0.01


def log(message: str = "") -> None:
    print(message, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Load-test Jiedai's main pages against a bare Django view."
    )
    parser.add_argument("--receptions", type=int, default=100_000, help="the big size (default 100,000)")
    parser.add_argument(
        "--compare", type=int, default=1_000, help="the small size for the latency-growth bar (0: only the big one)"
    )
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per endpoint and size")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds per endpoint and size first")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with --worker-class gthread")
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE for the server (persistent connections)"
    )
    parser.add_argument(
        "--page-cache",
        type=int,
        default=60,
        metavar="SECONDS",
        help="PAGE_CACHE_SECONDS for the server (default 60, as in production; 0 measures every page as a render)",
    )
    parser.add_argument(
        "--cache-url",
        default=None,
        help="CACHE_URL for the server (default: $CACHE_URL, else Redis db 15 on 127.0.0.1:6379 if it answers, as"
        " production shares the page cache between workers; 'none': per process)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgres://user@host:5432/NAME (databases NAME_<size>_*) or sqlite:///path (default: var/bench/)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before measuring, wait up to this long for the machine to be quiet (< 25%% CPU busy)",
    )
    parser.add_argument("--out", default="bench-results", help="folder for the JSON report")
    parser.add_argument("--only", default="", help="comma-separated endpoints to measure (default: all)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if a cached database fits")
    parser.add_argument("--keep", action="store_true", help="keep the per-run database copies")
    args = parser.parse_args(argv)
    args.sizes = sorted({s for s in (args.compare, args.receptions) if s and s > 0})
    if not args.sizes:
        parser.error("--receptions must be positive")
    names = {e.name for e in ep.ALL}
    args.only_set = {n.strip() for n in args.only.split(",") if n.strip()}
    if args.only_set - names:
        parser.error(f"unknown endpoints {sorted(args.only_set - names)}; choose from {sorted(names)}")
    return args


# --------------------------------------------------------------------------- subprocesses


def django_env(
    database_url: str, *, server: bool, secret: str, conn_max_age: int = 0, page_cache: int = 0, cache_url: str = ""
) -> dict:
    """The environment of a Django subprocess. Only the server replays pages (core.page_cache): the in-process
    query counts, time splits and hot spots are a page's render, the worst case, as the tests pin them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_TASK_ALWAYS"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        JIEDAI_ENV="production",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1" if server else "127.0.0.1,testserver",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        AXES_ENABLED="0",
        DATABASE_URL=database_url,
        DB_CONN_MAX_AGE=str(conn_max_age),
        PAGE_CACHE_SECONDS=str(page_cache if server else 0),
        CACHE_URL=cache_url if server else "",
        CELERY_TASK_ALWAYS_EAGER="0",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(command: list[str], env: dict, what: str) -> float:
    started = time.monotonic()
    completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {completed.returncode}): {' '.join(command)}")
    return time.monotonic() - started


def run_worker(arguments: list[str], env: dict, what: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        run([sys.executable, "-m", "bench.worker", *arguments, "--out", out], env, what)
        with open(out, encoding="utf-8") as handle:
            return json.load(handle)
    finally:
        Path(out).unlink(missing_ok=True)


def ensure_database(db: Database, *, reseed: bool, secret: str) -> dict:
    """The cached, seeded database for this size (seeding it if needed), then a fresh copy to run on."""
    info = {"engine": db.engine, "cache": db.cache_name, "run": db.run_name}
    if not reseed and db.cache_ok():
        log(f"[{db.size:,}] reusing seeded database {db.cache_name}")
        info["reused"] = True
    else:
        log(f"[{db.size:,}] seeding {db.cache_name} (schema {db.schema})")
        started = time.monotonic()
        db.reset_cache()
        env = django_env(db.cache_url, server=False, secret=secret)
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
        result = run_worker(["seed", "--receptions", str(db.size), "--schema", db.schema], env, "seed")
        if not db.cache_ok():
            raise RuntimeError(f"the seeded database {db.cache_name} does not check out: {db.cache_meta()}")
        info.update(reused=False, seed_seconds=round(time.monotonic() - started, 1), counts=result["counts"])
        log(f"[{db.size:,}] seeded in {info['seed_seconds']} s: {result['counts']}")
    info["counts"] = db.cache_meta().get("counts", info.get("counts"))
    info["size_mb"] = db.size_on_disk_mb()
    started = time.monotonic()
    db.make_run_copy()
    info["copy_seconds"] = round(time.monotonic() - started, 1)
    return info


# --------------------------------------------------------------------------- CPU accounting


def _proc_cpu(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime (clock ticks)
    except (OSError, IndexError, ValueError):
        return 0


def cpu_snapshot(pids: list[int]) -> tuple[int, int, int]:
    """(busy ticks of the whole machine, all ticks, ticks of our own processes)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    ours = sum(_proc_cpu(pid) for pid in pids)
    return sum(values) - idle, sum(values), ours


def foreign_cpu(before, after) -> float | None:
    """The share of the machine's CPU used by processes other than the bench's during a measurement (0..1)."""
    busy, total, ours = (a - b for a, b in zip(after, before, strict=True))
    if total <= 0:
        return None
    return round(max(0.0, (busy - ours) / total), 3)


def wait_quiet(max_seconds: float, threshold: float = 0.25) -> dict:
    """Wait (up to max_seconds) until other processes leave the CPU mostly idle: a shared machine (tests running
    next door) moves absolute numbers a lot; the ratios less so, since bare and page slices alternate."""
    started = time.monotonic()
    while True:
        before = cpu_snapshot([])
        time.sleep(5)
        busy = foreign_cpu(before, cpu_snapshot([]))
        waited = time.monotonic() - started
        if (busy is not None and busy <= threshold) or waited >= max_seconds:
            return {"waited_s": round(waited), "busy": busy}
        log(f"  machine busy ({busy:.0%} CPU used by other processes); waiting ({waited:.0f}/{max_seconds:.0f} s)")


# --------------------------------------------------------------------------- measurement


def stats(result: SliceResult) -> dict:
    lat = result.latencies
    errors = result.requests - result.ok
    return {
        "requests": result.requests,
        "ok": result.ok,
        "errors": errors,
        "error_statuses": result.statuses,
        "seconds": round(result.seconds, 2),
        "rps": round(result.ok / result.seconds, 1) if result.seconds > 0 else 0.0,
        "p50_ms": round(statistics.median(lat), 2) if lat else None,
        "p95_ms": round(percentile(lat, 95), 2) if lat else None,
        "p99_ms": round(percentile(lat, 99), 2) if lat else None,
        "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
        "mean_bytes": round(result.bytes / result.requests) if result.requests else None,
        "exhausted": result.exhausted,
    }


class Target:
    """One size under test: its server, its prepared data and its logged-in client sessions (the readers', and
    administration's clerk's for the logistics queue)."""

    def __init__(self, size: int, server: Server, prepared: dict, concurrency: int):
        self.size, self.server, self.prepared = size, server, prepared
        self.sessions = [Session("127.0.0.1", server.port) for _ in range(concurrency)]
        self.logistics = prepared.get("logistics") or {}
        self.logistics_sessions = [Session("127.0.0.1", server.port) for _ in range(concurrency)]
        readers = prepared["readers"]
        self.reader_of = [readers[i % len(readers)] for i in range(concurrency)]
        self.tasks: list[list[int]] = [[] for _ in range(concurrency)]
        self.jobs: list[list] = [[] for _ in range(concurrency)]  # [reception id, booking body] for the book run
        self.login_error = self.token_error = None
        self.logistics_error = None if self.logistics else "no user with the administration role"
        self.finance = prepared.get("finance") or {}
        self.finance_sessions = [Session("127.0.0.1", server.port) for _ in range(concurrency)]
        self.finance_error = None if self.finance else "no user with the finance role"

    def sessions_for(self, endpoint: ep.Endpoint) -> list[Session]:
        if endpoint.user == "finance":
            return self.finance_sessions
        return self.logistics_sessions if endpoint.user == "logistics" else self.sessions

    async def login(self):
        """Log every client in (session cookie) and get it an API token. A failure does not stop the bench: the
        endpoints that need what failed are reported as errors."""
        password = self.prepared["password"]
        limit = asyncio.Semaphore(4)

        async def one(session, reader):
            async with limit:
                try:
                    await session.login(reader["username"], password)
                except (HttpError, OSError, asyncio.IncompleteReadError) as exc:
                    self.login_error = f"login failed: {exc}"
                try:
                    await session.obtain_token(reader["username"], password)
                except (HttpError, OSError, asyncio.IncompleteReadError, ValueError, KeyError) as exc:
                    self.token_error = f"API token failed: {exc}"

        async def clerk(session):
            async with limit:
                try:
                    await session.login(self.logistics["username"], password)
                except (HttpError, OSError, asyncio.IncompleteReadError) as exc:
                    self.logistics_error = f"login of {self.logistics['username']} failed: {exc}"

        async def finance(session):
            async with limit:
                try:
                    await session.login(self.finance["username"], password)
                except (HttpError, OSError, asyncio.IncompleteReadError) as exc:
                    self.finance_error = f"login of {self.finance['username']} failed: {exc}"

        await asyncio.gather(*(one(s, r) for s, r in zip(self.sessions, self.reader_of, strict=True)))
        if self.logistics:
            await asyncio.gather(*(clerk(s) for s in self.logistics_sessions))
        if self.finance:
            await asyncio.gather(*(finance(s) for s in self.finance_sessions))
        for error in (self.login_error, self.token_error, self.logistics_error, self.finance_error):
            if error:
                log(f"  [{self.size:,}] {error} (see {self.server.log_path})")

    def generator(self, endpoint: ep.Endpoint):
        json_headers = {"Content-Type": "application/json"}
        body = json.dumps(ep.APPROVE_BODY).encode()

        def make(index: int, n: int):
            reader = self.reader_of[index]
            if endpoint.name == "approve":
                if not self.tasks[index]:
                    return None
                path = endpoint.path.format(task_id=self.tasks[index].pop())
                return endpoint.method, path, body, json_headers, endpoint.auth
            if endpoint.name == "book":
                if not self.jobs[index]:
                    return None
                reception_id, booking = self.jobs[index].pop()
                path = endpoint.path.format(reception_id=reception_id)
                return endpoint.method, path, json.dumps(booking).encode(), json_headers, endpoint.auth
            path = ep.read_path(endpoint, reader, self.logistics, n=n, index=index, finance=self.finance)
            return endpoint.method, path, b"", None, endpoint.auth

        return make

    def rotation(self, endpoint: ep.Endpoint) -> int:
        """How many pages a client's requests rotate over (ids of details or plans), 1 for a fixed page."""
        key = "detail_ids" if "{id}" in endpoint.path else "plan_ids" if "{plan_id}" in endpoint.path else None
        if key is None or endpoint.method != "GET":
            return 1
        return max((len(reader.get(key) or []) for reader in self.reader_of), default=1)

    async def probe(self, endpoint: ep.Endpoint) -> tuple[str, str]:
        """("ok", detail) if the page answers for real; ("missing", why) while it is still being built."""
        if endpoint.user == "logistics" and self.logistics_error:
            return "error", self.logistics_error
        if endpoint.user == "finance" and self.finance_error:
            return "error", self.finance_error
        if endpoint.user == "reader" and endpoint.auth == "session" and self.login_error:
            return "error", self.login_error
        if endpoint.auth == "bearer" and self.token_error:
            return "error", self.token_error
        session = self.sessions_for(endpoint)[0]
        try:
            if endpoint.method == "POST":  # the write endpoints: id 0 must answer a JSON 404
                body = ep.APPROVE_BODY if endpoint.name == "approve" else ep.PROBE_BOOKING
                response = await session.request(
                    "POST",
                    endpoint.path.format(task_id=0, reception_id=0),
                    body=json.dumps(body).encode(),
                    headers={"Content-Type": "application/json"},
                    auth="bearer",
                )
                is_json = "json" in response.header("content-type")
                if response.status == 404 and is_json:
                    return "ok", "route answers (404 for id 0, as it should)"
                if response.status == 404:
                    return "missing", "404: no such route yet"
                return "error", f"POST for id 0 answered {response.status}: {response.body[:200]!r}"
            method, path, body, headers, auth = self.generator(endpoint)(0, 0)
            response = await session.request(method, path, body=body, headers=headers, auth=auth)
        except (HttpError, OSError, asyncio.IncompleteReadError) as exc:
            return "error", f"request failed: {exc!r}"
        if response.status == 404:
            return "missing", "404: no such page yet"
        if 200 <= response.status < 300 and response.body.strip() == ep.PLACEHOLDER_BODY:
            return "missing", "placeholder view (page not built yet)"
        if 200 <= response.status < 300:
            return "ok", f"{response.status}, {len(response.body)} bytes"
        return "error", f"{response.status}: {response.body[:200]!r}"


def _first_reads(generator, period: int):
    """Each client's first `period` requests of `generator`, then no more."""

    def make(index: int, n: int):
        return generator(index, n) if n < period else None

    return make


async def measure_endpoint(endpoint: ep.Endpoint, targets: list["Target"], args, pids) -> dict:
    """Warm up, then alternate bare and page slices on every size; returns stats per size."""
    rounds = max(1, round(args.duration / 2))
    slice_seconds = args.duration / rounds
    out = {}
    active = []
    for target in targets:
        status, detail = await target.probe(endpoint)
        out[target.size] = {"status": status, "detail": detail}
        if status == "ok":
            active.append(target)
        else:
            log(f"  {endpoint.name:<10} {target.size:>7,}: {status.upper()} ({detail})")
    if not active:
        return out
    bare_gen = {t.size: t.generator(ep.BARE) for t in active}
    page_gen = {t.size: t.generator(endpoint) for t in active}
    for target in active:
        period = target.rotation(endpoint)
        if period > 1 and args.page_cache > 0:
            # Pages read again are replayed (core.page_cache): every page of the rotation is read once first, so
            # the slices measure the steady state, as for the pages that do not rotate (a first read is a render:
            # `--page-cache 0` measures that).
            await run_slice(
                target.sessions_for(endpoint), _first_reads(page_gen[target.size], period), 600, record=False
            )
        if args.warmup > 0:
            await run_slice(target.sessions_for(endpoint), page_gen[target.size], args.warmup, record=False)
    page = {t.size: SliceResult() for t in active}
    bare = {t.size: SliceResult() for t in active}
    before = cpu_snapshot(pids())
    for r in range(rounds):
        order = active if r % 2 == 0 else list(reversed(active))
        for target in order:
            pair = [("bare", bare_gen), ("page", page_gen)]
            for kind, gens in pair if r % 2 == 0 else reversed(pair):
                result = await run_slice(target.sessions_for(endpoint), gens[target.size], slice_seconds)
                (bare if kind == "bare" else page)[target.size].merge(result)
    other = foreign_cpu(before, cpu_snapshot(pids()))
    for target in active:
        page_stats, bare_stats = stats(page[target.size]), stats(bare[target.size])
        page_stats.update(
            status="ok",
            detail=out[target.size]["detail"],
            bare_rps=bare_stats["rps"],
            bare_p50_ms=bare_stats["p50_ms"],
            ratio=round(page_stats["rps"] / bare_stats["rps"], 3) if bare_stats["rps"] else None,
            other_cpu=other,
            _bare=bare[target.size],
        )
        out[target.size] = page_stats
        log(
            f"  {endpoint.name:<10} {target.size:>7,}: {page_stats['rps']:>7.1f} rps  p50 {page_stats['p50_ms']} ms"
            f"  p95 {page_stats['p95_ms']} ms  ({page_stats['ratio']}x bare {bare_stats['rps']} rps)"
            + (f"  errors {page_stats['errors']} {page_stats['error_statuses']}" if page_stats["errors"] else "")
            + ("  POOL EXHAUSTED" if page_stats["exhausted"] else "")
        )
    return out


async def measure(targets: list[Target], args, secret: str, dbs: dict) -> dict:
    for target in targets:
        log(f"[{target.size:,}] logging in {len(target.sessions)} clients (sessions and API tokens)")
        await target.login()

    def pids():
        return [os.getpid()] + [pid for t in targets for pid in t.server.worker_pids()]

    wanted = [e for e in [ep.FLOOR, *ep.READS, *ep.WRITES] if not args.only_set or e.name in args.only_set]
    results: dict[str, dict] = {}
    bare_all = {t.size: SliceResult() for t in targets}
    # Warm the bare view once on each size (imports, first connections).
    for target in targets:
        await run_slice(target.sessions, target.generator(ep.BARE), max(args.warmup, 0.5), record=False)
    log(
        f"measuring {len(wanted)} endpoints x {len(targets)} sizes, {args.duration:g} s each"
        f" (+ as long on the bare view, in alternating slices), {args.concurrency} clients"
    )
    for endpoint in wanted:
        try:
            if endpoint.name == "approve":
                prepare_pool(targets, results, args, secret, dbs)
            if endpoint.name == "book":
                prepare_book_pool(targets, results, args, secret, dbs)
            results[endpoint.name] = await measure_endpoint(endpoint, targets, args, pids)
        except (RuntimeError, HttpError, OSError, ValueError, KeyError) as exc:  # report it, measure the rest
            log(f"  {endpoint.name:<10} ERROR: {exc!r}")
            results[endpoint.name] = {t.size: {"status": "error", "detail": repr(exc)[:500]} for t in targets}
            continue
        for size, value in results[endpoint.name].items():
            if "_bare" in value:
                bare_all[size].merge(value.pop("_bare"))
    results["bare"] = {}
    for target in targets:
        bare_stats = stats(bare_all[target.size])
        bare_stats.update(status="ok", ratio=1.0, bare_rps=bare_stats["rps"])
        results["bare"][target.size] = bare_stats
    return results


def pool_size(target, results, args) -> int:
    """Enough work for the bare view's pace (an upper bound for any write) over the run."""
    bare_rps = max(
        (v.get("bare_rps") or 0 for r in results.values() for s, v in r.items() if s == target.size),
        default=0,
    )
    pace = max(bare_rps * 0.6, 100)
    return int(min(30_000, math.ceil(pace * (args.duration + args.warmup) * 1.2) + args.concurrency))


def prepare_pool(targets, results, args, secret, dbs) -> None:
    """Pending tasks for the approve run."""
    for target in targets:
        count = pool_size(target, results, args)
        log(f"[{target.size:,}] creating {count:,} pending approval tasks for the approve run")
        env = django_env(dbs[target.size].run_url, server=False, secret=secret)
        pool = run_worker(["pool", "--count", str(count)], env, "approve pool")
        target.prepared["queries"].update(pool["queries"])
        target.prepared["pool"] = {"count": count, "seconds": pool["seconds"]}
        by_user: dict[str, list[int]] = pool["pool"]
        for index, reader in enumerate(target.reader_of):
            share = [i for i, r in enumerate(target.reader_of) if r["username"] == reader["username"]]
            ids = by_user.get(reader["username"], [])
            target.tasks[index] = ids[share.index(index) :: len(share)]


def prepare_book_pool(targets, results, args, secret, dbs) -> None:
    """Free slots for the booking run: approved visits of the readers (each edits the plans of the visits they
    requested), four slots each; one client books all slots of a visit, so no two clients wait on one plan's lock."""
    for target in targets:
        count = pool_size(target, results, args)
        log(f"[{target.size:,}] creating {count:,} free booking slots (visits with draft plans) for the book run")
        env = django_env(dbs[target.size].run_url, server=False, secret=secret)
        pool = run_worker(["book-pool", "--count", str(count)], env, "book pool")
        target.prepared["queries"].update(pool["queries"])
        target.prepared["book_pool"] = {"count": count, "seconds": pool["seconds"]}
        by_user: dict[str, list[list]] = pool["pool"]
        for index, reader in enumerate(target.reader_of):
            share = [i for i, r in enumerate(target.reader_of) if r["username"] == reader["username"]]
            groups = by_user.get(reader["username"], [])[share.index(index) :: len(share)]
            # pop() takes from the end: reversed, so each visit's slots are booked in order
            target.jobs[index] = [job for group in reversed(groups) for job in reversed(group)]


# --------------------------------------------------------------------------- report


def export_summary(export: dict | None) -> str:
    """The analytics' Excel export measured in-process (bench.worker prepare): time, peak memory, size."""
    if not export:
        return "not measured"
    if export.get("status") != 200:
        return f"status {export.get('status')}"
    return (
        f"{export['seconds']:.2f} s, peak Python memory {export['peak_mb']:.1f} MiB"
        f" (RSS +{export['rss_growth_mb']:.0f} MiB), {export['bytes'] / 1024:,.0f} KiB, {export['rows']:,} visit rows"
    )


def fmt(value, pattern="{:,.1f}", missing="-") -> str:
    return missing if value is None else pattern.format(value)


def build_report(results: dict, prepared: dict, memory: dict, args) -> tuple[str, list[dict]]:
    sizes = args.sizes
    lines = []
    header = (
        f"{'endpoint':<11}{'size':>9}{'requests':>10}{'rps':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'x bare':>8}{'queries':>9}{'errors':>8}"
    )
    lines += [header, "-" * len(header)]
    order = ["bare", "floor", *[e.name for e in ep.READS], *[e.name for e in ep.WRITES]]
    for name in order:
        if name not in results:
            continue
        for size in sizes:
            value = results[name].get(size)
            if value is None:
                continue
            queries = prepared[size]["queries"].get(name, {}).get("queries")
            if value.get("status") != "ok":
                lines.append(f"{name:<11}{size:>9,}  {value['status'].upper()}: {value.get('detail', '')}")
                continue
            lines.append(
                f"{name:<11}{size:>9,}{value['requests']:>10,}{fmt(value['rps']):>9}{fmt(value['p50_ms']):>9}"
                f"{fmt(value['p95_ms']):>9}{fmt(value['ratio'], '{:.2f}'):>8}{fmt(queries, '{:d}'):>9}"
                f"{value['errors']:>8}" + ("  (pool ran out)" if value.get("exhausted") else "")
            )
    lines.append("")
    for size in sizes:
        mem = memory.get(size) or {}
        per_worker = ", ".join(fmt(w["peak_mb"], "{:.0f}") for w in mem.get("workers", []))
        lines.append(f"peak memory per worker at {size:,}: {per_worker} MiB (max {fmt(mem.get('peak_mb_max'))} MiB)")
        export = (prepared.get(size) or {}).get("finance", {}).get("export")
        if export:
            lines.append(f"Excel export at {size:,}: {export_summary(export)}")
    checks = []
    big, small = sizes[-1], sizes[0] if len(sizes) > 1 else None
    for endpoint in ep.READS:
        if endpoint.name not in results or not endpoint.read:
            continue
        at_big = results[endpoint.name].get(big, {})
        if at_big.get("status") != "ok":
            checks.append(
                {
                    "check": f"{endpoint.name}: throughput >= {THROUGHPUT_BAR:.0%} of bare at {big:,}",
                    "result": (at_big.get("status") or "missing").upper(),
                }
            )
        else:
            error_rate = at_big["errors"] / max(at_big["requests"], 1)
            passed = at_big["ratio"] is not None and at_big["ratio"] >= THROUGHPUT_BAR and error_rate <= MAX_ERROR_RATE
            checks.append(
                {
                    "check": f"{endpoint.name}: throughput >= {THROUGHPUT_BAR:.0%} of bare at {big:,}",
                    "value": at_big["ratio"],
                    "errors": at_big["errors"],
                    "result": "PASS" if passed else "FAIL",
                }
            )
        if small is None:
            continue
        at_small = results[endpoint.name].get(small, {})
        name = f"{endpoint.name}: median latency grows < {GROWTH_BAR:.0%} from {small:,} to {big:,}"
        if at_big.get("status") != "ok" or at_small.get("status") != "ok":
            bad = at_big if at_big.get("status") != "ok" else at_small
            checks.append({"check": name, "result": (bad.get("status") or "missing").upper()})
            continue
        growth = at_big["p50_ms"] / at_small["p50_ms"] - 1
        growth_p95 = at_big["p95_ms"] / at_small["p95_ms"] - 1
        checks.append(
            {
                "check": name,
                "value": round(growth, 3),
                "p95_growth": round(growth_p95, 3),
                "result": "PASS" if growth < GROWTH_BAR else "FAIL",
            }
        )
    lines.append("")
    lines.append("bars:")
    for check in checks:
        value = check.get("value")
        shown = "" if value is None else (f"{value:+.0%}" if "grows" in check["check"] else f"{value:.0%}")
        lines.append(f"  {check['result']:<8}{check['check']}" + (f"  ({shown})" if shown else ""))
    return "\n".join(lines), checks


# --------------------------------------------------------------------------- main


BENCH_REDIS = "redis://127.0.0.1:6379/15"


def _cache_url(asked: str | None) -> str:
    """The server's CACHE_URL. The bench's own Redis database is emptied first (it holds only the bench's pages);
    a URL given by the caller is used as it is."""
    if asked is not None:
        return "" if asked == "none" else asked
    if os.environ.get("CACHE_URL"):
        return os.environ["CACHE_URL"]
    try:
        import redis

        redis.Redis.from_url(BENCH_REDIS, socket_connect_timeout=1).flushdb()
    except Exception:  # noqa: BLE001 — no Redis here: the per-process cache
        return ""
    return BENCH_REDIS


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.cache_url = _cache_url(args.cache_url)
    log(f"server cache: {args.cache_url or 'per process'}; page cache {args.page_cache} s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops gunicorn and drops copies
    started = time.monotonic()
    secret = "bench-" + secrets.token_hex(24)
    schema = schema_hash()
    dbs = {size: Database(size, schema, args.database_url) for size in args.sizes}
    servers: dict[int, Server] = {}
    try:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        db_info = {size: ensure_database(db, reseed=args.reseed, secret=secret) for size, db in dbs.items()}
        log("collectstatic (manifest storage needs it in production mode)")
        run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            django_env(dbs[args.sizes[0]].run_url, server=False, secret=secret),
            "collectstatic",
        )
        prepared = {}
        for size, db in dbs.items():
            log(f"[{size:,}] counting queries per request (in-process test client) and choosing pages and ids")
            prepared[size] = run_worker(["prepare"], django_env(db.run_url, server=False, secret=secret), "prepare")
            for reader in prepared[size]["readers"]:
                log(
                    f"  {reader['username']} ({reader['department']}): sees {reader['visible']:,} requests,"
                    f" {reader['pages']:,} pages (deep page {reader['deep_page']:,}),"
                    f" {reader['pending_tasks']:,} pending tasks, {reader.get('plans', 0):,} plans"
                )
            clerk = prepared[size].get("logistics")
            if clerk:
                log(
                    f"  {clerk['username']} (logistics queue {'/logistics/' + clerk['queue_query']}): first page"
                    f" {clerk['queue_rows']} rows {clerk['queue_kinds']}{'' if clerk['queue_full'] else ' (NOT FULL)'}"
                )
            finance = prepared[size].get("finance")
            if finance:
                log(
                    f"  {finance['username']} (analytics {'/finance/analytics/' + finance['analytics_query']}):"
                    f" {finance['visits']:,} visits, {finance['expense_lines']:,} expense lines in range"
                )
                log(f"  Excel export: {export_summary(finance.get('export'))}")
        targets = []
        for size, db in dbs.items():
            env = django_env(
                db.run_url,
                server=True,
                secret=secret,
                conn_max_age=args.conn_max_age,
                page_cache=args.page_cache,
                cache_url=args.cache_url,
            )
            server = Server(
                name=f"{size}",
                env=env,
                workers=args.workers,
                worker_class=args.worker_class,
                threads=args.threads,
                log_path=BENCH_DIR / f"gunicorn-{size}.log",
            )
            log(f"[{size:,}] starting gunicorn ({args.workers} {args.worker_class} workers) on {server.base}")
            server.start()
            servers[size] = server
            targets.append(Target(size, server, prepared[size], args.concurrency))
        if args.wait_quiet > 0:
            log("waiting for a quiet machine")
            args.quiet = wait_quiet(args.wait_quiet)
        load_before = os.getloadavg()
        results = asyncio.run(measure(targets, args, secret, dbs))
        memory = {size: server.memory() for size, server in servers.items()}
        for server in servers.values():
            server.stop()
        report, checks = build_report(results, prepared, memory, args)
        payload = {
            "meta": meta(args, schema, load_before, started),
            "databases": db_info,
            "prepared": prepared,
            "results": results,
            "memory": memory,
            "checks": checks,
        }
        out_dir = Path(args.out)
        out_dir = out_dir if out_dir.is_absolute() else ROOT / out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        log("")
        log(report)
        log("")
        log(f"report: {path}  ({time.monotonic() - started:.0f} s in all)")
        return 0
    finally:
        stop_all()
        clear_broker()
        if not args.keep:
            for db in dbs.values():
                try:
                    db.drop_run()
                except Exception as exc:  # noqa: BLE001 - cleanup
                    log(f"could not drop {db.run_name}: {exc}")


def clear_broker() -> None:
    """The filesystem broker's queued notification deliveries (nobody consumes them during a bench)."""
    for folder in ("out", "processed"):
        for path in (BENCH_DIR / "broker" / folder).glob("*"):
            if path.is_file():
                path.unlink(missing_ok=True)


def meta(args, schema: str, load_before, started) -> dict:
    import platform

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = None
    return {
        "timestamp": datetime.now().isoformat(timespec="seconds"),
        "commit": commit,
        "schema": schema,
        "sizes": args.sizes,
        "duration": args.duration,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "conn_max_age": args.conn_max_age,
        "page_cache_seconds": args.page_cache,
        "cache_url": args.cache_url or "per process",
        "database": args.database_url or "sqlite (var/bench)",
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "wait_quiet": getattr(args, "quiet", None),
        "loadavg_after": os.getloadavg(),
        "python": platform.python_version(),
        "seconds": round(time.monotonic() - started, 1),
    }
