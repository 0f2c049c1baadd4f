"""A fast, realistic bulk seed of reception requests and their approval histories (runs inside Django).

The rows look like what the services write (numbers, instances, tasks, events, CC records, request history),
but are built in memory and written with bulk_create in batches, with explicit primary keys so no row has to
be read back. The flow, its steps, its condition and the approvers come from the live data (the seeded policy
flow and the demo company), so the engine can carry on from any seeded state (the approve benchmark does).
"""

import functools
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from jiedai.approvals import conditions
from jiedai.approvals.models import (
    ApprovalEvent,
    ApprovalInstance,
    ApprovalTask,
    CcRecord,
    EventAction,
    Flow,
    InstanceStatus,
    Resolver,
    TaskStatus,
)
from jiedai.approvals.resolvers import resolve_cc, resolve_step
from jiedai.approvals.seeds import ensure_seed_flows
from jiedai.core.runtime_settings import get_setting
from jiedai.org.demo import ensure_demo_org
from jiedai.org.models import Delegation, Department, User
from jiedai.receptions.models import (
    LOCAL_TZ,
    ClientContact,
    ClientOrganization,
    HistoryAction,
    Reception,
    ReceptionClient,
    ReceptionHistory,
    ReceptionSequence,
    ReceptionStatus,
)

BATCH = 5000
N_USERS = 200
N_ORGS = 300
CONTACTS_PER_ORG = 10
SPAN_DAYS = 3 * 365
DOCUMENT_TYPE = "reception"
FLOW_CODE = "reception_request"
# The bench users who act for their department head (a standing delegation): they log in for the read pages
# and decide the approve benchmark's tasks. bench001..bench004 (round-robin over the departments below).
DEPUTY_DEPARTMENTS = ("sales", "tech", "finance", "admin")
DEPUTY_QUEUE = 30  # the newest 30 requests per deputy wait for them at the first step (see seed())
# Approved visits around the day of the seed (3 a day from yesterday to 15 days on), whatever the size, so that
# administration's logistics queue (today and the next 14 days) is full at the small size too (see seed()).
CURRENT_VISITS = 51
CURRENT_FIRST_DAY = -1
CURRENT_SPAN_DAYS = 17
DEPARTMENT_ORDER = ("sales", "tech", "finance", "admin", "gm_office")
STATUS_WEIGHTS = {
    ReceptionStatus.APPROVED: 60,
    ReceptionStatus.PENDING_APPROVAL: 15,
    ReceptionStatus.DRAFT: 10,
    ReceptionStatus.RETURNED: 5,
    ReceptionStatus.REJECTED: 5,
    ReceptionStatus.WITHDRAWN: 5,
}
INSTANCE_STATUS = {
    ReceptionStatus.APPROVED: InstanceStatus.APPROVED,
    ReceptionStatus.PENDING_APPROVAL: InstanceStatus.PENDING,
    ReceptionStatus.RETURNED: InstanceStatus.RETURNED,
    ReceptionStatus.REJECTED: InstanceStatus.REJECTED,
    ReceptionStatus.WITHDRAWN: InstanceStatus.WITHDRAWN,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁欣怡嘉琪"
CITIES = "北京 上海 广州 深圳 杭州 南京 苏州 成都 重庆 武汉 西安 天津 青岛 宁波 厦门 长沙 郑州 合肥 济南 无锡".split()
TRADES = "精密机械 智能科技 能源集团 电子 汽车零部件 医疗器械 新材料 自动化 物流 化工 通信 软件 食品 纺织 建设".split()
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
TITLES = ["总经理", "副总经理", "采购总监", "技术总监", "采购经理", "项目经理", "工程师", "质量经理", "销售总监"]
PURPOSES = [
    "年度框架协议谈判",
    "工厂参观及产线考察",
    "技术交流与方案评审",
    "质量问题沟通会",
    "新品发布与试用",
    "供应商审核",
    "回访座谈",
    "合同续签洽谈",
    "样品确认",
    "项目启动会",
]
ESCORTS = ["", "需要销售部一名同事全程陪同", "需要技术部工程师陪同参观", "需要总经理出席欢迎午宴"]
COMMENTS = {
    "approve": ["同意", "同意，请做好接待安排", "同意，注意控制费用", ""],
    "return": ["请补充陪同人员名单和预计费用明细", "请补充来访人员职务", "费用预算需细化"],
    "reject": ["费用偏高且必要性不足，建议改为线上会议", "与年度接待计划不符"],
}


def log(message: str) -> None:
    print(message, flush=True)


def next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


class _Instance:
    """Enough of an ApprovalInstance for the resolvers (department, snapshot)."""

    def __init__(self, department, snapshot):
        self.department, self.snapshot = department, snapshot


class Builder:
    """Collects the rows of many requests in memory, then writes them in foreign-key order."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.flow = Flow.objects.get(code=FLOW_CODE, is_active=True)
        self.steps = list(self.flow.steps.order_by("order"))
        self.cc_rules = list(self.flow.cc_rules.all())
        self.departments = {d.code: d for d in Department.objects.select_related("head", "supervising_leader")}
        self.departments_by_pk = {d.pk: d for d in self.departments.values()}
        # Flow conditions read run-time settings (one query each): read each once while seeding.
        self.setting = functools.lru_cache(maxsize=None)(get_setting)
        self.users = {u.pk: u for u in User.objects.all()}
        self.bench_users = list(User.objects.filter(username__startswith="bench").order_by("username"))
        self.by_department = {}
        for user in self.bench_users:
            self.by_department.setdefault(user.department_id, []).append(user)
        self.deputies = {}  # head id -> deputy
        for delegation in Delegation.objects.active_at(timezone.now()).select_related("delegate"):
            self.deputies[delegation.delegator_id] = delegation.delegate
        self.contacts_by_org = {}
        for contact_id, org_id in ClientContact.objects.values_list("id", "organization_id"):
            self.contacts_by_org.setdefault(org_id, []).append(contact_id)
        self.org_ids = sorted(self.contacts_by_org)
        self.ids = {
            model: next_id(model)
            for model in (Reception, ReceptionClient, ApprovalInstance, ApprovalTask, ApprovalEvent, CcRecord)
        }
        self.ids[ReceptionHistory] = next_id(ReceptionHistory)
        self.coordinating_through = Reception.coordinating_departments.through
        self.ids[self.coordinating_through] = next_id(self.coordinating_through)
        self.sequence = dict(ReceptionSequence.objects.values_list("year", "last"))
        self._step_people = {}
        self._cc_people = {}
        self.reset()

    def reset(self):
        self.rows = {
            model: []
            for model in (
                Reception,
                ReceptionClient,
                self.coordinating_through,
                ApprovalInstance,
                ApprovalTask,
                ApprovalEvent,
                CcRecord,
                ReceptionHistory,
            )
        }

    def _id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _add(self, model, **fields):
        """A row as a dict of attnames (no model instances: building and compiling a million of them through
        bulk_create costs ten times more than the inserts themselves). Keys the model has no field for are
        ignored on insert, so denormalised copies (a task's document key) can always be given."""
        fields["id"] = pk = self._id(model)
        self.rows[model].append(fields)
        return pk

    def step_people(self, step, department, snapshot) -> list:
        """The approvers of a step for a department (cached: they depend only on the department, except for
        resolvers that read the snapshot)."""
        if step.resolver == Resolver.DEPARTMENT_HEADS_FROM_FIELD:
            return resolve_step(step, _Instance(department, snapshot))
        key = (step.pk, department.pk)
        if key not in self._step_people:
            self._step_people[key] = resolve_step(step, _Instance(department, snapshot))
        return self._step_people[key]

    def cc_people(self, department, snapshot) -> list:
        key = (department.pk, tuple(snapshot.get("coordinating_departments") or ()))
        if key not in self._cc_people:
            people = {}
            for rule in self.cc_rules:
                for person in resolve_cc(rule, _Instance(department, snapshot)):
                    people.setdefault(person.pk, person)
            self._cc_people[key] = list(people.values())
        return self._cc_people[key]

    def _number(self, when) -> str:
        year = when.astimezone(LOCAL_TZ).year
        self.sequence[year] = self.sequence.get(year, 0) + 1
        return f"JD-{year}-{self.sequence[year]:05d}"

    def add_request(
        self,
        *,
        created,
        status,
        requester=None,
        department_code=None,
        stop_first=False,
        deputy=None,
        visit_day=None,
        visit_days=None,
    ):
        """One request with everything the services would have written for it. `stop_first` (with `deputy`):
        pending at the first step, with the task assigned to `deputy` acting for the head (the approve pool).
        `visit_day` / `visit_days` fix the visit's first (local) date and its number of days."""
        rng = self.rng
        if requester is None:
            requester = rng.choice(self.bench_users)
        department = self.departments_by_pk[requester.department_id]
        importance = rng.choices(["normal", "important", "major"], weights=[70, 22, 8])[0]
        cost = Decimal(rng.randrange(800, 60000)) if rng.random() < 0.95 else None
        coordinating = []
        if importance != "normal" or rng.random() < 0.05:
            others = [d for d in self.departments.values() if d.pk != department.pk]
            coordinating = rng.sample(others, rng.choice([1, 1, 2]))
        colleagues = self.by_department.get(department.pk) or [requester]
        lead = rng.choice(colleagues) if importance != "normal" else None
        local = created.astimezone(LOCAL_TZ)
        lead_days = rng.randrange(3, 45)
        visit_day = visit_day or (local + timedelta(days=lead_days)).date()
        visit_start = datetime(visit_day.year, visit_day.month, visit_day.day, 9, tzinfo=LOCAL_TZ)
        extra_days = rng.choice([0, 0, 0, 1, 2])
        if visit_days is not None:
            extra_days = visit_days - 1
        visit_end = visit_start + timedelta(days=extra_days, hours=8)
        org_id = rng.choice(self.org_ids)
        contacts = rng.sample(self.contacts_by_org[org_id], rng.choice([1, 1, 2, 3]))
        purpose = f"{rng.choice(PURPOSES)}（{len(contacts)} 位客户）"
        draft = status == ReceptionStatus.DRAFT
        submitted_at = None if draft else created + timedelta(minutes=rng.randrange(10, 2 * 24 * 60))
        number = None if draft else self._number(submitted_at)
        reception = dict(
            number=number,
            status=status,
            requester_id=requester.pk,
            host_department_id=department.pk,
            purpose=purpose,
            visit_start=visit_start,
            visit_end=visit_end,
            visitor_count=len(contacts) + rng.randrange(0, 4),
            escort_needs=rng.choice(ESCORTS),
            importance=importance,
            estimated_cost=cost,
            lead_id=lead.pk if lead else None,
            importance_statement="重点客户，年度采购额预计超过 2000 万元" if importance != "normal" else "",
            expected_outcome="签订年度框架协议" if importance != "normal" else "",
            version=1 if draft else 2,
            created_at=created,
            updated_at=submitted_at or created,
            submitted_at=submitted_at,
        )
        reception["id"] = rid = self._id(Reception)
        self.rows[Reception].append(reception)
        for position, contact_id in enumerate(contacts):
            self._add(ReceptionClient, reception_id=rid, contact_id=contact_id, position=position)
        for other in coordinating:
            self._add(self.coordinating_through, reception_id=rid, department_id=other.pk)
        self._add(
            ReceptionHistory,
            reception_id=rid,
            at=created,
            actor_id=requester.pk,
            action=HistoryAction.CREATED,
            to_status=ReceptionStatus.DRAFT,
        )
        if draft:
            return None
        self._add(
            ReceptionHistory,
            reception_id=rid,
            at=submitted_at,
            actor_id=requester.pk,
            action=HistoryAction.SUBMITTED,
            from_status=ReceptionStatus.DRAFT,
            to_status=ReceptionStatus.PENDING_APPROVAL,
        )
        snapshot = {
            "importance": importance,
            "estimated_cost": str(cost) if cost is not None else None,
            "coordinating_departments": sorted(d.code for d in coordinating),
            "visitor_count": reception["visitor_count"],
        }
        instance = dict(
            flow_id=self.flow.pk,
            document_type=DOCUMENT_TYPE,
            document_id=rid,
            title=f"{number} {purpose}"[:300],
            url=f"/receptions/{rid}/",
            applicant_id=requester.pk,
            department_id=department.pk,
            status=INSTANCE_STATUS[status],
            round=1,
            snapshot=snapshot,
            submitted_at=submitted_at,
        )
        instance["id"] = iid = self._id(ApprovalInstance)
        self.rows[ApprovalInstance].append(instance)

        def event(action, at, **fields):
            self._add(ApprovalEvent, instance_id=iid, round=1, action=action, created_at=at, **fields)

        event(
            EventAction.SUBMITTED,
            submitted_at,
            actor_id=requester.pk,
            from_status="",
            to_status=InstanceStatus.PENDING,
        )
        # Walk the flow as the engine would: skip the applicant and people who already approved this round.
        plan = []  # (step, person, skip_reason)
        approved_people = set()
        for step in self.steps:
            if step.condition and not conditions.evaluate(step.condition, snapshot, self.setting):
                continue
            for person in self.step_people(step, department, snapshot)[:1]:
                if person.pk == requester.pk and not self.flow.allow_self_approval:
                    plan.append((step, person, "审批人即发起人，自动跳过"))
                elif self.flow.skip_repeated_approver and person.pk in approved_people:
                    plan.append((step, person, "本轮已在前面步骤同意，自动跳过"))
                else:
                    plan.append((step, person, ""))
                    approved_people.add(person.pk)
        acting = [i for i, (_s, _p, reason) in enumerate(plan) if not reason]
        if status == ReceptionStatus.APPROVED or not acting:
            stop = None
        elif stop_first:
            stop = acting[0]
        else:
            stop = rng.choice(acting)
        at = submitted_at
        last_actor = requester
        for index, (step, person, reason) in enumerate(plan):
            opened = at
            if reason:
                tid = self._add(
                    ApprovalTask,
                    instance_id=iid,
                    document_type=DOCUMENT_TYPE,
                    document_id=rid,
                    step_id=step.pk,
                    round=1,
                    assignee_id=person.pk,
                    status=TaskStatus.SKIPPED,
                    skip_reason=reason,
                    created_at=opened,
                    decided_at=opened,
                )
                event(EventAction.SKIPPED, opened, task_id=tid, actor_id=person.pk, step_name=step.name, comment=reason)
                continue
            assignee, acting_for = person, None
            delegate = self.deputies.get(person.pk)
            if delegate is not None and delegate.pk != requester.pk:
                if stop_first and deputy is not None:
                    delegate = deputy
                if index == stop or rng.random() < 0.5:
                    assignee, acting_for = delegate, person
            if index == stop:
                if status == ReceptionStatus.PENDING_APPROVAL:
                    task_status, decided_at = TaskStatus.PENDING, None
                    instance["current_step_id"] = step.pk
                elif status == ReceptionStatus.WITHDRAWN:
                    task_status, decided_at = TaskStatus.CANCELLED, at + timedelta(hours=rng.randrange(1, 30))
                else:
                    task_status = TaskStatus.RETURNED if status == ReceptionStatus.RETURNED else TaskStatus.REJECTED
                    decided_at = at + timedelta(hours=rng.randrange(1, 72))
            else:
                task_status, decided_at = TaskStatus.APPROVED, at + timedelta(hours=rng.randrange(1, 72))
            decision = {TaskStatus.APPROVED: "approve", TaskStatus.RETURNED: "return", TaskStatus.REJECTED: "reject"}
            comment = rng.choice(COMMENTS[decision[task_status]]) if task_status in decision else ""
            tid = self._add(
                ApprovalTask,
                instance_id=iid,
                document_type=DOCUMENT_TYPE,
                document_id=rid,
                step_id=step.pk,
                round=1,
                assignee_id=assignee.pk,
                acting_for_id=acting_for.pk if acting_for else None,
                status=task_status,
                comment=comment,
                created_at=opened,
                decided_at=decided_at,
            )
            if task_status in decision:
                action = {
                    TaskStatus.APPROVED: EventAction.HANDLED if step.kind == "handle" else EventAction.APPROVED,
                    TaskStatus.RETURNED: EventAction.RETURNED,
                    TaskStatus.REJECTED: EventAction.REJECTED,
                }[task_status]
                event(
                    action,
                    decided_at,
                    task_id=tid,
                    actor_id=assignee.pk,
                    on_behalf_of_id=acting_for.pk if acting_for else None,
                    step_name=step.name,
                    comment=comment,
                )
                at, last_actor = decided_at, assignee
            if index == stop:
                break
        finished = None
        if status == ReceptionStatus.APPROVED:
            finished = at
            event(
                EventAction.COMPLETED,
                finished,
                actor_id=last_actor.pk,
                from_status=InstanceStatus.PENDING,
                to_status=InstanceStatus.APPROVED,
            )
            copied = [p for p in self.cc_people(department, snapshot) if p.pk != requester.pk]
            for person in copied:
                read_at = finished + timedelta(hours=rng.randrange(1, 48)) if rng.random() < 0.6 else None
                self._add(
                    CcRecord,
                    instance_id=iid,
                    document_type=DOCUMENT_TYPE,
                    document_id=rid,
                    user_id=person.pk,
                    created_at=finished,
                    read_at=read_at,
                )
            if copied:
                names = "、".join(sorted(p.display_name for p in copied))
                event(EventAction.COPIED, finished, actor_id=last_actor.pk, comment=names)
            reception["approved_at"] = finished
            reception["plan_due_date"] = visit_day - timedelta(days=5)
            history_action, actor, comment = HistoryAction.APPROVED, last_actor, ""
        elif status == ReceptionStatus.WITHDRAWN:
            finished = at + timedelta(hours=rng.randrange(1, 30))
            event(
                EventAction.WITHDRAWN,
                finished,
                actor_id=requester.pk,
                comment="客户行程改期",
                from_status=InstanceStatus.PENDING,
                to_status=InstanceStatus.WITHDRAWN,
            )
            history_action, actor, comment = HistoryAction.WITHDRAWN, requester, "客户行程改期"
        elif status in (ReceptionStatus.RETURNED, ReceptionStatus.REJECTED):
            finished = at
            history_action = HistoryAction.RETURNED if status == ReceptionStatus.RETURNED else HistoryAction.REJECTED
            actor, comment = last_actor, ""
        else:
            history_action = None
        if history_action:
            instance["finished_at"] = finished
            self._add(
                ReceptionHistory,
                reception_id=rid,
                at=finished,
                actor_id=actor.pk,
                action=history_action,
                from_status=ReceptionStatus.PENDING_APPROVAL,
                to_status=status,
                comment=comment,
            )
            reception["updated_at"] = finished
        return instance

    def flush(self):
        with transaction.atomic(), connection.cursor() as cursor:
            for model, rows in self.rows.items():
                if rows:
                    insert_rows(cursor, model, rows)
            for year, last in self.sequence.items():
                ReceptionSequence.objects.update_or_create(year=year, defaults={"last": last})
        self.reset()


_MISSING = object()
_SPECS = {}


def _converter(field):
    """What Django's get_db_prep_save does for the field, done cheaply for the common types."""
    kind = field.get_internal_type()
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the `connection` proxy costs a lookup per use
    if kind == "DateTimeField" and conn.vendor == "sqlite":
        return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
    if kind == "DateField" and conn.vendor == "sqlite":
        return lambda v: None if v is None else v.isoformat()
    if kind in ("DecimalField", "JSONField", "GenericIPAddressField"):
        return lambda v: None if v is None else field.get_db_prep_save(v, conn)
    return None


def _default(field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.empty_strings_allowed:
        return ""
    return _MISSING


def insert_rows(cursor, model, rows: list[dict]) -> None:
    """INSERT rows (dicts by attname, every one with its id) with executemany, in batches."""
    if model not in _SPECS:
        fields = model._meta.concrete_fields
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        _SPECS[model] = (sql, [(f.attname, _default(f), _converter(f)) for f in fields])
    sql, spec = _SPECS[model]
    data = []
    for row in rows:
        values = []
        for attname, default, convert in spec:
            value = row.get(attname, default)
            if value is _MISSING:
                raise ValueError(f"{model.__name__}.{attname} has no value and no default")
            values.append(convert(value) if convert else value)
        data.append(values)
    for start in range(0, len(data), BATCH):
        cursor.executemany(sql, data[start : start + BATCH])


def fake_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def ensure_company(rng: random.Random) -> dict:
    """The demo company and flows, 200 bench users over the five departments, four deputies with a standing
    delegation from their department head, and the client directory."""
    ensure_seed_flows()
    people = ensure_demo_org()
    password = people["sales_rep"].password  # the demo password's hash (hashing is deliberately slow)
    departments = {d.code: d for d in Department.objects.all()}
    existing = set(User.objects.filter(username__startswith="bench").values_list("username", flat=True))
    new = []
    for i in range(1, N_USERS + 1):
        username = f"bench{i:03d}"
        if username in existing:
            continue
        code = DEPARTMENT_ORDER[(i - 1) % len(DEPARTMENT_ORDER)]
        new.append(
            User(
                username=username,
                full_name=fake_name(rng),
                department=departments[code],
                email=f"{username}@example.com",
                password=password,
            )
        )
    User.objects.bulk_create(new)
    now = timezone.now()
    for i, code in enumerate(DEPUTY_DEPARTMENTS, start=1):
        deputy = User.objects.get(username=f"bench{i:03d}")
        head = departments[code].head
        if not Delegation.objects.active_at(now).filter(delegator=head, delegate=deputy).exists():
            Delegation.objects.create(
                delegator=head,
                delegate=deputy,
                starts_at=now - timedelta(days=4 * 365),
                ends_at=now + timedelta(days=365),
                reason="bench: standing deputy",
            )
    if not ClientOrganization.objects.filter(name__startswith="bench ").exists():
        orgs = ClientOrganization.objects.bulk_create(
            [
                ClientOrganization(name=f"bench {rng.choice(CITIES)}{rng.choice(TRADES)}{i:03d}{rng.choice(SUFFIXES)}")
                for i in range(N_ORGS)
            ]
        )
        orgs = list(ClientOrganization.objects.filter(name__startswith="bench "))
        ClientContact.objects.bulk_create(
            [
                ClientContact(
                    organization=org,
                    name=fake_name(rng),
                    title=rng.choice(TITLES),
                    phone=f"13{rng.randrange(10**9):09d}",
                    email=f"c{org.pk}_{j}@client.example.com",
                )
                for org in orgs
                for j in range(CONTACTS_PER_ORG)
            ]
        )
    return people


def deputies() -> list[User]:
    return [User.objects.get(username=f"bench{i:03d}") for i in range(1, len(DEPUTY_DEPARTMENTS) + 1)]


def tune_connection():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")


def seed(n: int, *, random_seed: int = 20260101) -> dict:
    """Seed `n` requests (spread over three years, newest last) into an empty, migrated database."""
    rng = random.Random(random_seed)
    started = time.monotonic()
    tune_connection()
    ensure_company(rng)
    log(f"  company ready: {User.objects.count()} users, {ClientContact.objects.count()} client contacts")
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    end = timezone.now() - timedelta(days=14)  # so that every decision of the newest requests is in the past
    start = end - timedelta(days=SPAN_DAYS)
    builder = Builder(rng)
    deputy_list = deputies()
    queue = min(DEPUTY_QUEUE * len(deputy_list), n // 4)
    current = min(CURRENT_VISITS, n // 10)
    today = timezone.now().astimezone(LOCAL_TZ).date()
    done = 0
    while done < n:
        count = min(BATCH, n - done)
        for i in range(done, done + count):
            created = start + (end - start) * (i / max(n, 1)) + timedelta(seconds=rng.randrange(0, 600))
            if n - queue - current <= i < n - queue:
                # Approved visits from yesterday to two weeks on: at 1,000 requests the newest approved ones
                # (before the deputies' queue) were created months ago, and their visits are long past.
                j = i - (n - queue - current)
                builder.add_request(
                    created=created,
                    status=ReceptionStatus.APPROVED,
                    visit_day=today + timedelta(days=CURRENT_FIRST_DAY + j * CURRENT_SPAN_DAYS // max(current, 1)),
                )
            elif i >= n - queue:
                # The newest few wait for a deputy at the first step, so that every deputy's to-do page is full
                # at any size (a to-do page of 6 rows against one of 20 would not compare sizes, but row counts).
                deputy = deputy_list[i % len(deputy_list)]
                colleagues = [u for u in builder.by_department[deputy.department_id] if u.pk != deputy.pk]
                builder.add_request(
                    created=created,
                    status=ReceptionStatus.PENDING_APPROVAL,
                    requester=rng.choice(colleagues),
                    stop_first=True,
                    deputy=deputy,
                )
            else:
                builder.add_request(created=created, status=rng.choices(statuses, weights)[0])
        builder.flush()
        done += count
        elapsed = time.monotonic() - started
        log(f"  seeded {done:,}/{n:,} receptions ({elapsed:.1f} s, {done / elapsed:,.0f}/s)")
    from bench.seed_planning import seed_plans

    planning = seed_plans(n, rng)
    from bench.seed_expenses import seed_money

    money = seed_money(rng)
    finish()
    return {
        "seconds": round(time.monotonic() - started, 1),
        "counts": table_counts(),
        "planning": planning,
        "money": money,
        "seeded_on": today.isoformat(),
    }


def finish():
    """Planner statistics as a database in production has them: PostgreSQL's autovacuum analyses by itself;
    on SQLite the app runs `PRAGMA optimize=0x10002` daily (jiedai.core.tasks.database_optimize), so do the same."""
    reset_sequences()
    try:
        from jiedai.core.tasks import database_optimize
    except ImportError:  # an app without the housekeeping task: leave the statistics as they are
        database_optimize = None
    if database_optimize is not None:
        log(f"  database_optimize: {database_optimize()}")
    if connection.vendor == "postgresql":
        connection.close()
        with connection.cursor() as cursor:  # VACUUM cannot run in a transaction; autocommit is the default
            cursor.execute("VACUUM ANALYZE")


def reset_sequences():
    """PostgreSQL sequences after inserts with explicit ids (SQLite's AUTOINCREMENT follows by itself)."""
    from bench.seed_expenses import EXPENSE_MODELS
    from bench.seed_planning import PLANNING_MODELS

    if connection.vendor == "postgresql":
        sql = connection.ops.sequence_reset_sql(
            no_style(),
            [
                Reception,
                ReceptionClient,
                Reception.coordinating_departments.through,
                ApprovalInstance,
                ApprovalTask,
                ApprovalEvent,
                CcRecord,
                ReceptionHistory,
                *PLANNING_MODELS,
                *EXPENSE_MODELS,
            ],
        )
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def table_counts() -> dict:
    from bench.seed_expenses import EXPENSE_MODELS
    from bench.seed_planning import PLANNING_MODELS

    return {
        model.__name__: model.objects.count()
        for model in (
            Reception,
            ReceptionClient,
            ApprovalInstance,
            ApprovalTask,
            ApprovalEvent,
            CcRecord,
            ReceptionHistory,
            User,
            *PLANNING_MODELS,
            *EXPENSE_MODELS,
        )
    }


def add_decide_pool(count: int, deciders: list) -> dict[str, list[int]]:
    """`count` fresh requests pending at their first step, each task assigned to one of `deciders` (acting for
    the department head), for the approve benchmark: every POST decides a different task. Returns task ids by
    username."""
    rng = random.Random(count)
    tune_connection()
    now = timezone.now()
    pool: dict[str, list[int]] = {d.username: [] for d in deciders}
    builder = Builder(rng)
    for i in range(count):
        decider = deciders[i % len(deciders)]
        colleagues = [u for u in builder.by_department[decider.department_id] if u.pk != decider.pk]
        instance = builder.add_request(
            created=now - timedelta(days=3, seconds=count - i),
            status=ReceptionStatus.PENDING_APPROVAL,
            requester=rng.choice(colleagues),
            stop_first=True,
            deputy=decider,
        )
        task = next(t for t in reversed(builder.rows[ApprovalTask]) if t["instance_id"] == instance["id"])
        if task["assignee_id"] != decider.pk or task["status"] != TaskStatus.PENDING:
            raise RuntimeError(f"decide pool: task {task['id']} is not pending for {decider.username}")
        pool[decider.username].append(task["id"])
        if len(builder.rows[Reception]) >= BATCH:
            builder.flush()
    builder.flush()
    reset_sequences()
    return pool
