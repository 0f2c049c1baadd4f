"""The Django side of the benchmark, one database per process (settings are read once per process):

    python -m bench.worker seed --receptions N --schema HASH      seed a migrated, empty database
    python -m bench.worker prepare --out FILE                    readers, deep pages, ids; read-page query counts
    python -m bench.worker pool --count K --out FILE             pending tasks for the approve run; its queries
    python -m bench.worker book-pool --count K --out FILE        free slots for the booking run; its queries

The orchestrator (bench.cli) sets DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL for each call.
"""

import argparse
import json
import math
import random
import sys
import time

import django

META_TABLE = "bench_meta"


def setup():
    django.setup()


def meta_write(values: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR(64) PRIMARY KEY, value TEXT)")
        for key, value in values.items():
            cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = %s", [key])
            cursor.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)", [key, json.dumps(value)])


# The logistics queue shows today and the next 14 days: while the seed is this recent, its default page is full at
# every size (the seed puts approved visits up to 15 days after its day). An older cache is measured on the seed's
# day instead (?date_from=), so a reused database still shows the same page.
QUEUE_FRESH_DAYS = 7


def meta_read(key: str, default=None):
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = %s", [key])
            row = cursor.fetchone()
    except Exception:  # noqa: BLE001 - no meta table: not a bench database
        return default
    return json.loads(row[0]) if row else default


def cmd_seed(args) -> dict:
    from bench.seed import seed

    meta_write({"complete": False})
    result = seed(args.receptions)
    meta_write(
        {
            "receptions": args.receptions,
            "schema": args.schema,
            "counts": result["counts"],
            "planning": result["planning"],
            "seeded_on": result["seeded_on"],
            "complete": True,
        }
    )
    return result


def _explain(sql: str, params) -> list[str]:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
    except Exception as exc:  # noqa: BLE001 - diagnostics only
        return [f"(explain failed: {exc})"]
    if connection.vendor == "sqlite":
        return [" ".join(str(part) for part in row[1:]) for row in rows]
    return [row[0] for row in rows]


class _Timing:
    """Times every SQL statement (to the microsecond) and the outermost template render, so a request's time
    splits into SQL, template rendering (without the SQL it triggers) and the rest of the Python."""

    def __init__(self):
        self.sql: list[tuple] = []  # (ms, ran while a template was rendering, sql, params, many)
        self.template_ms = 0.0
        self.depth = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql.append(((time.perf_counter() - started) * 1000, self.depth > 0, sql, params, many))


_TIMING: _Timing | None = None


def _patch_template_render():
    from django.template import base

    original = base.Template.render
    if getattr(original, "_bench", False):
        return

    def render(self, context):
        timing = _TIMING
        if timing is None:
            return original(self, context)
        timing.depth += 1
        started = time.perf_counter()
        try:
            return original(self, context)
        finally:
            timing.depth -= 1
            if timing.depth == 0:
                timing.template_ms += (time.perf_counter() - started) * 1000

    render._bench = True
    base.Template.render = render


def _app_hotspots(profile, limit: int = 12) -> list[str]:
    """The project's own functions with the most cumulative time in a cProfile run."""
    import pstats

    stats = pstats.Stats(profile)
    rows = []
    for (filename, line, name), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():
        if "/jiedai/" in filename and "/site-packages/" not in filename:
            rows.append((cumulative, calls, f"{filename.split('/jiedai/', 1)[1]}:{line} {name}"))
    rows.sort(reverse=True)
    return [f"{cum * 1000:8.1f} ms {calls:>6} calls  jiedai/{where}" for cum, calls, where in rows[:limit]]


def measure(client, method: str, path: str, *, body=None, warm: bool = True, profile: bool = True) -> dict:
    """One request through the whole middleware stack, counting its queries (after one warm-up request for
    reads, so per-process caches are filled as they are in a running worker), with a time breakdown and, from
    one more request under cProfile, the app's hot spots."""
    global _TIMING
    import cProfile

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.endpoints import PLACEHOLDER_BODY

    _patch_template_render()

    def send():
        if method == "GET":
            return client.get(path)
        return client.post(path, data=json.dumps(body), content_type="application/json")

    if warm:
        send()
    runs = []
    for _ in range(3 if method == "GET" else 1):  # the fastest of three: a busy machine only adds time
        _TIMING = timing = _Timing()
        started = time.perf_counter()
        try:
            with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timing):
                response = send()
        finally:
            _TIMING = None
        runs.append(((time.perf_counter() - started) * 1000, timing, len(ctx.captured_queries), response))
    elapsed, timing, count, response = min(runs, key=lambda run: run[0])
    queries = [
        {"ms": round(ms, 3), "sql": sql, "params": params} for ms, _inside, sql, params, many in timing.sql if not many
    ]
    slowest = sorted(queries, key=lambda q: -q["ms"])[:3]
    for query in slowest[:1]:
        if query["sql"].lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT")):
            query["plan"] = _explain(query["sql"], query["params"])
    for query in slowest:
        query["sql"] = query["sql"][:3000]
        query["params"] = [str(p)[:100] for p in (query["params"] or [])][:50]
    sql_ms = sum(t[0] for t in timing.sql)
    sql_in_template = sum(t[0] for t in timing.sql if t[1])
    content = b"" if getattr(response, "streaming", False) else response.content
    result = {
        "status": response.status_code,
        "placeholder": content.strip() == PLACEHOLDER_BODY,
        "queries": count,
        "db_ms": round(sql_ms, 2),
        "request_ms": round(elapsed, 2),
        "breakdown_ms": {
            "sql": round(sql_ms, 2),
            "template_rendering": round(timing.template_ms - sql_in_template, 2),
            "other_python": round(elapsed - sql_ms - (timing.template_ms - sql_in_template), 2),
        },
        "bytes": len(content),
        "slowest": slowest,
    }
    if profile and method == "GET":
        profiler = cProfile.Profile()
        profiler.enable()
        send()
        profiler.disable()
        result["hotspots"] = _app_hotspots(profiler)
    return result


def cmd_prepare(args) -> dict:
    from django.test import Client

    from bench.endpoints import FLOOR, READS, read_path
    from bench.seed import deputies
    from jiedai.approvals.models import ApprovalInstance, ApprovalTask, TaskStatus
    from jiedai.org.models import ApiToken
    from jiedai.planning.models import Plan
    from jiedai.receptions import selectors
    from jiedai.receptions.access import receptions_visible_to
    from jiedai.receptions.models import ReceptionStatus

    page_size = getattr(selectors, "PAGE_SIZE", 20)
    rng = random.Random(7)
    plan_rng = random.Random(11)
    planned = set(Plan.objects.values_list("reception_id", flat=True))
    readers = []
    for user in deputies():
        started = time.perf_counter()
        visible = receptions_visible_to(user).order_by("-id")
        ids = list(visible.values_list("id", flat=True))
        pages = max(1, math.ceil(len(ids) / page_size))
        # Detail pages: half with the user's own pending task (the page then shows the decision panel and the
        # client's earlier visits), half without, whatever the size, so both sizes render the same mix.
        pending = set(
            ApprovalInstance.objects.filter(
                document_type="reception", tasks__assignee=user, tasks__status=TaskStatus.PENDING
            ).values_list("document_id", flat=True)
        )
        problems = _check_visibility(user, set(ids), pending)
        # Day view: plans of approved requests the user may read (a random sample, the same mix at every size).
        approved = set(visible.filter(status=ReceptionStatus.APPROVED).values_list("id", flat=True))
        with_plan = sorted(approved & planned)
        plan_ids = plan_rng.sample(with_plan, min(200, len(with_plan)))
        problems += _check_plan_visibility(user, plan_ids)
        with_task = [i for i in ids if i in pending]
        without = [i for i in ids if i not in pending]
        half = min(100, len(with_task), len(without))
        mixed = zip(rng.sample(with_task, half), rng.sample(without, half), strict=True)
        detail_ids = [i for pair in mixed for i in pair] or rng.sample(ids, min(200, len(ids)))
        readers.append(
            {
                "username": user.username,
                "department": user.department.code,
                "visible": len(ids),
                "pages": pages,
                "deep_page": max(1, round(pages * 2 / 3)),
                # The "next" link of the page before the deep one carries the last id shown there (keyset paging).
                "deep_before": ids[(max(1, round(pages * 2 / 3)) - 1) * page_size - 1] if pages > 1 else ids[0] + 1,
                "detail_ids": detail_ids,
                "detail_with_task": sum(1 for i in detail_ids if i in pending),
                "plans": len(with_plan),
                "plan_ids": plan_ids,
                "pending_tasks": ApprovalTask.objects.filter(assignee=user, status=TaskStatus.PENDING).count(),
                "visibility_query_ms": round((time.perf_counter() - started) * 1000, 1),
                "problems": problems,
            }
        )
    reader = readers[0]
    user = deputies()[0]
    logistics = _logistics_reader()
    web = Client()
    web.force_login(user)
    api = Client(headers={"authorization": f"Bearer {ApiToken.issue(user)}"})
    clients = {("reader", "session"): web, ("reader", "bearer"): api}
    if logistics:
        clients[("logistics", "session")] = Client()
        clients[("logistics", "session")].force_login(logistics.pop("user"))
    finance = _finance_reader()
    if finance:
        clients[("finance", "session")] = Client()
        clients[("finance", "session")].force_login(finance.pop("user"))
    queries = {}
    for endpoint in [FLOOR, *READS]:
        client = clients.get((endpoint.user, endpoint.auth))
        if client is None:
            queries[endpoint.name] = {"status": None, "detail": f"no {endpoint.user} user"}
            continue
        path = read_path(endpoint, reader, logistics, finance=finance)
        queries[endpoint.name] = measure(client, endpoint.method, path)
        queries[endpoint.name]["path"] = path
    queries["bare"] = measure(Client(), "GET", "/bench/bare")
    from jiedai.org.demo import DEMO_PASSWORD

    return {
        "page_size": page_size,
        "password": DEMO_PASSWORD,
        "readers": readers,
        "logistics": logistics,
        "finance": finance,
        "planning": meta_read("planning"),
        "queries": queries,
    }


def _logistics_reader() -> dict | None:
    """Administration's clerk for the logistics queue (the demo company's admin_clerk holds the role; a bench user
    with it would be copied on every approved request and change the other pages' data), and what the queue's
    first page holds."""
    import datetime

    from django.utils import timezone

    from jiedai.org.models import Role
    from jiedai.org.selectors import users_with_role
    from jiedai.planning.selectors_logistics import QUEUE_PAGE_SIZE, logistics_queue
    from jiedai.planning.views.queue import QUEUE_DAYS
    from jiedai.receptions.models import LOCAL_TZ

    holders = users_with_role(Role.ADMINISTRATION)
    user = holders.filter(username="admin_clerk").first() or holders.first()
    if user is None:
        return None
    today = timezone.now().astimezone(LOCAL_TZ).date()
    seeded_on = meta_read("seeded_on")
    seeded_on = datetime.date.fromisoformat(seeded_on) if seeded_on else today
    fresh = 0 <= (today - seeded_on).days <= QUEUE_FRESH_DAYS
    date_from = today if fresh else seeded_on
    page = logistics_queue(date_from=date_from, date_to=date_from + datetime.timedelta(days=QUEUE_DAYS))
    kinds = {}
    for row in page.rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    return {
        "user": user,
        "username": user.username,
        "seeded_on": seeded_on.isoformat(),
        "queue_query": "" if fresh else f"?date_from={seeded_on.isoformat()}",
        "queue_rows": len(page.rows),
        "queue_full": len(page.rows) == QUEUE_PAGE_SIZE and page.has_next,
        "queue_kinds": kinds,
    }


ANALYTICS_DAYS = 365


def _finance_reader() -> dict | None:
    """Finance's clerk (the demo company's fin_clerk holds the finance role and sees all the money) for the
    analytics page and its Excel export, over the 365 days up to the seed's day (a cached database shows the same
    range later), what that range holds, and the export measured once in-process: time and peak memory."""
    import datetime

    from django.utils import timezone

    from jiedai.expenses.models import BudgetLine, ClaimLine, SupplementaryLine
    from jiedai.org.models import Role
    from jiedai.org.selectors import users_with_role
    from jiedai.receptions.models import LOCAL_TZ, Reception, ReceptionStatus

    holders = users_with_role(Role.FINANCE)
    user = holders.filter(username="fin_clerk").first() or holders.first()
    if user is None:
        return None
    seeded_on = meta_read("seeded_on")
    end = datetime.date.fromisoformat(seeded_on) if seeded_on else timezone.now().astimezone(LOCAL_TZ).date()
    start = end - datetime.timedelta(days=ANALYTICS_DAYS - 1)
    starts = datetime.datetime.combine(start, datetime.time.min, tzinfo=LOCAL_TZ)
    ends = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=LOCAL_TZ)
    visits = Reception.objects.filter(status=ReceptionStatus.APPROVED, visit_start__gte=starts, visit_start__lt=ends)
    lines = sum(
        model.objects.filter(**{f"{path}__in": visits.values("pk")}).count()
        for model, path in (
            (BudgetLine, "budget__reception"),
            (ClaimLine, "claim__reception"),
            (SupplementaryLine, "supplementary__reception"),
        )
    )
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    export = _measure_export(user, "/finance/analytics/export.xlsx" + query)
    export["rows"] = visits.count()  # the "各次接待" sheet: one row a visit in range
    return {
        "user": user,
        "username": user.username,
        "analytics_query": query,
        "analytics_start": start.isoformat(),
        "analytics_end": end.isoformat(),
        "visits": visits.count(),
        "expense_lines": lines,
        "expense_lines_total": BudgetLine.objects.count()
        + ClaimLine.objects.count()
        + SupplementaryLine.objects.count(),
        "export": export,
    }


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _measure_export(user, path: str) -> dict:
    """One Excel export through the whole stack: seconds, peak Python memory (tracemalloc) and RSS growth, bytes."""
    import tracemalloc

    from django.test import Client

    client = Client()
    client.force_login(user)
    rss = _rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(path)
    size = sum(len(chunk) for chunk in response.streaming_content) if response.status_code == 200 else 0
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "status": response.status_code,
        "path": path,
        "seconds": round(seconds, 3),
        "peak_mb": round(peak / 2**20, 1),
        "rss_growth_mb": round(_rss_mb() - rss, 1),
        "bytes": size,
    }


def _check_plan_visibility(user, plan_ids: list[int]) -> list[str]:
    """Every plan the day view rotates over must be readable by the user (through the planning access layer)."""
    from jiedai.planning.access import plan_receptions_visible_to

    problems = []
    readable = set(plan_receptions_visible_to(user).filter(pk__in=plan_ids).values_list("pk", flat=True))
    if len(readable) != len(plan_ids):
        problems.append(f"{len(plan_ids) - len(readable)} plans chosen for {user.username} are not readable to them")
    if not plan_ids:
        problems.append(f"{user.username} may read no plan: the day view has nothing to show")
    for problem in problems:
        print(f"  WARNING: {problem}", file=sys.stderr, flush=True)
    return problems


def _check_visibility(user, visible: set, pending: set) -> list[str]:
    """The seed and the app's access layer must agree, or the pages measure the wrong thing: every document the
    user has a pending task on is visible, and (if the app counts separately) the count matches the rows."""
    from jiedai.receptions import access
    from jiedai.receptions.models import Reception

    problems = []
    hidden = pending - visible
    if hidden:
        problems.append(f"{len(hidden)} requests with a pending task of {user.username} are not visible to them")
    visible_ids = getattr(access, "visible_ids", None)  # the app's second form of the rule, for counts and deep pages
    if visible_ids is not None:
        counted = visible_ids(user, Reception.objects.all()).count()
        if counted != len(visible):
            problems.append(f"visible_ids counts {counted}, receptions_visible_to lists {len(visible)}")
    for problem in problems:
        print(f"  WARNING: {problem}", file=sys.stderr, flush=True)
    return problems


def cmd_pool(args) -> dict:
    from django.test import Client

    from bench.endpoints import APPROVE, APPROVE_BODY
    from bench.seed import add_decide_pool, deputies
    from jiedai.org.models import ApiToken

    started = time.perf_counter()
    deciders = deputies()
    pool = add_decide_pool(args.count + 2 * len(deciders), deciders)
    seconds = round(time.perf_counter() - started, 1)
    user = deciders[0]
    api = Client(headers={"authorization": f"Bearer {ApiToken.issue(user)}"})
    # One decision to warm up (first use of the broker connection etc.), one measured.
    api.post(
        APPROVE.path.format(task_id=pool[user.username].pop()),
        data=json.dumps(APPROVE_BODY),
        content_type="application/json",
    )
    path = APPROVE.path.format(task_id=pool[user.username].pop())
    measured = measure(api, "POST", path, body=APPROVE_BODY, warm=False)
    measured["path"] = path
    return {"pool": pool, "seconds": seconds, "queries": {"approve": measured}}


def cmd_book_pool(args) -> dict:
    """Free slots for the booking run (see bench.seed_planning.add_book_pool), and one booking's queries."""
    from django.test import Client

    from bench.endpoints import BOOK
    from bench.seed import deputies
    from bench.seed_planning import add_book_pool
    from jiedai.org.models import ApiToken

    started = time.perf_counter()
    planners = deputies()
    pool = add_book_pool(args.count + 2 * 4, planners)
    seconds = round(time.perf_counter() - started, 1)
    user = planners[0]
    api = Client(headers={"authorization": f"Bearer {ApiToken.issue(user)}"})
    # One booking to warm up, one measured: the second slot of the same visit (its plan already has a booking).
    group = pool[user.username].pop()
    reception_id, body = group[0]
    warm = api.post(BOOK.path.format(reception_id=reception_id), data=json.dumps(body), content_type="application/json")
    if warm.status_code != 201:
        print(f"  WARNING: booking answered {warm.status_code}: {warm.content[:300]!r}", file=sys.stderr, flush=True)
    reception_id, body = group[1]
    path = BOOK.path.format(reception_id=reception_id)
    measured = measure(api, "POST", path, body=body, warm=False)
    measured["path"] = path
    return {"pool": pool, "seconds": seconds, "queries": {"book": measured}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("--receptions", type=int, required=True)
    seed.add_argument("--schema", required=True)
    seed.add_argument("--out")
    prepare = sub.add_parser("prepare")
    prepare.add_argument("--out")
    pool = sub.add_parser("pool")
    pool.add_argument("--count", type=int, required=True)
    pool.add_argument("--out")
    book_pool = sub.add_parser("book-pool")
    book_pool.add_argument("--count", type=int, required=True)
    book_pool.add_argument("--out")
    args = parser.parse_args(argv)
    setup()
    commands = {"seed": cmd_seed, "prepare": cmd_prepare, "pool": cmd_pool, "book-pool": cmd_book_pool}
    result = commands[args.command](args)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
