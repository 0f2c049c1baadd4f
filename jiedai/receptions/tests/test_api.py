"""The reception request over /api/v1: the whole story (draft → approvals → approved, copied, visible only to whom
it should be), return and resubmit, reject, withdraw, bad input that never reaches the database, the list."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiedai.approvals.models import ApprovalEvent, ApprovalInstance, ApprovalTask, CcRecord
from jiedai.org.models import ApiToken, Department, User
from jiedai.receptions.models import ClientContact, ClientOrganization, Reception, ReceptionHistory
from jiedai.receptions.tests.factories import important_data, request_data

pytestmark = pytest.mark.django_db

BASE = "/api/v1/receptions"


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def as_json(data: dict) -> dict:
    """factories' service data as an integrator sends it: ISO datetimes, decimal strings, usernames."""
    out = {}
    for key, value in data.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, User):
            value = value.username
        out[key] = value
    return out


def post(client, path, body=None):
    return client.post(path, body if body is not None else {}, content_type="application/json")


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


def is_error(response, status=None) -> bool:
    body = response.json()
    ok = set(body) == {"detail", "errors"} and isinstance(body["detail"], str) and isinstance(body["errors"], dict)
    return ok and (status is None or response.status_code == status)


def decide(people, username, reception_id, decision="approve", comment=""):
    """`username` decides their pending task on the reception, through the API."""
    client = client_for(people[username])
    tasks = client.get("/api/v1/approvals/tasks").json()["items"]
    task = next(t for t in tasks if t["document_type"] == "reception" and t["document_id"] == reception_id)
    return post(client, f"/api/v1/approvals/tasks/{task['id']}/decide", {"decision": decision, "comment": comment})


@pytest.fixture
def rep(people):
    return client_for(people["sales_rep"])


@pytest.fixture
def outsider(people):
    """Someone with no link at all to sales' requests: a new department, not copied, not asked."""
    legal = Department.objects.create(code="legal", name="法务部")
    return User.objects.create_user(username="legal_eng", password="unused-pass-98765", department=legal)


def test_the_whole_story_of_an_important_request(people, rep, outsider):
    # Draft: created incomplete, completed with PATCH.
    data = as_json(important_data(people))
    draft = post(rep, BASE, {k: v for k, v in data.items() if k != "expected_outcome"})
    assert draft.status_code == 201, draft.content
    body = draft.json()
    assert body["status"] == "draft" and body["number"] is None and body["approval"] is None
    assert body["requester"] == "sales_rep" and body["host_department"] == "sales" and body["lead"] == "sales_rep"
    assert body["estimated_cost"] == "5000.00" and body["coordinating_departments"] == ["tech"]
    assert body["clients"][0]["name"] == "林海" and body["clients"][0]["organization"] == "华东精密机械有限公司"
    start, end = (datetime.fromisoformat(body[k]).date() for k in ("visit_start", "visit_end"))
    assert body["visit_start"].endswith("+08:00") and body["days_of_stay"] == (end - start).days + 1
    rid = body["id"]

    patched = patch(rep, f"{BASE}/{rid}", {"expected_outcome": "签订 2027 年框架协议"})
    assert patched.status_code == 200 and patched.json()["expected_outcome"] == "签订 2027 年框架协议"
    assert patched.json()["purpose"] == data["purpose"]  # only the fields sent change

    # Submit: numbered JD-<year>-0001, pending with the head.
    submitted = post(rep, f"{BASE}/{rid}/submit")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "pending_approval"
    assert body["number"] == f"JD-{timezone.localtime().year}-0001"
    assert body["approval"]["status"] == "pending" and body["approval"]["round"] == 1
    assert [(s["approver"], s["decision"]) for s in body["approval"]["steps"]] == [("sales_head", "pending")]

    # Head → supervising leader → GM (important, policy 2.2.2).
    assert decide(people, "sales_head", rid).status_code == 200
    assert decide(people, "vp_sales", rid).status_code == 200
    final = decide(people, "gm", rid, comment="同意，注意接待标准")
    assert final.status_code == 200 and final.json()["instance_status"] == "approved"

    body = rep.get(f"{BASE}/{rid}").json()
    assert body["status"] == "approved"
    assert [(s["approver"], s["decision"]) for s in body["approval"]["steps"]] == [
        ("sales_head", "approved"),
        ("vp_sales", "approved"),
        ("gm", "approved"),
    ]
    assert body["approval"]["steps"][2]["comment"] == "同意，注意接待标准"
    assert body["approval"]["steps"][2]["decided_at"].endswith("+08:00")
    assert date.fromisoformat(body["plan_due_date"]) < date.fromisoformat(body["visit_start"][:10])
    assert {"fin_clerk", "admin_clerk", "tech_head"} <= set(body["cc"])
    assert [h["action"] for h in body["history"]] == ["created", "updated", "submitted", "approved"]

    # Copied people may read it; someone unrelated may not even learn that it exists.
    assert client_for(people["fin_clerk"]).get(f"{BASE}/{rid}").status_code == 200
    stranger = client_for(outsider)
    missing = stranger.get(f"{BASE}/{rid}")
    assert missing.status_code == 404 and is_error(missing)
    assert stranger.get(BASE).json() == {"items": [], "count": 0, "page": 1, "page_size": 20}


def test_return_edit_and_resubmit_is_round_two_and_keeps_round_one(people, rep):
    rid = post(rep, BASE, as_json(request_data())).json()["id"]
    post(rep, f"{BASE}/{rid}/submit")
    returned = decide(people, "sales_head", rid, "return", "请补充陪同人员")
    assert returned.status_code == 200 and returned.json()["instance_status"] == "returned"
    assert rep.get(f"{BASE}/{rid}").json()["status"] == "returned"

    assert patch(rep, f"{BASE}/{rid}", {"escort_needs": "技术部张伟全程陪同"}).status_code == 200
    again = post(rep, f"{BASE}/{rid}/submit")
    assert again.status_code == 200
    body = again.json()
    assert body["status"] == "pending_approval" and body["approval"]["round"] == 2
    assert body["number"].endswith("-0001")  # the number is kept
    assert [(s["approver"], s["decision"]) for s in body["approval"]["steps"]] == [("sales_head", "pending")]
    actions = [(h["action"], h["from_status"], h["to_status"]) for h in body["history"]]
    assert actions == [
        ("created", "", "draft"),
        ("submitted", "draft", "pending_approval"),
        ("returned", "pending_approval", "returned"),
        ("updated", "returned", "returned"),
        ("resubmitted", "returned", "pending_approval"),
    ]
    assert body["history"][2]["comment"] == "请补充陪同人员" and body["history"][2]["actor"] == "sales_head"


def test_reject_needs_a_comment_and_is_final(people, rep):
    rid = post(rep, BASE, as_json(request_data())).json()["id"]
    post(rep, f"{BASE}/{rid}/submit")
    no_comment = decide(people, "sales_head", rid, "reject", "   ")
    assert no_comment.status_code == 422 and is_error(no_comment)
    assert "comment" in no_comment.json()["errors"]
    assert rep.get(f"{BASE}/{rid}").json()["status"] == "pending_approval"

    assert decide(people, "sales_head", rid, "reject", "与年度计划不符").status_code == 200
    body = rep.get(f"{BASE}/{rid}").json()
    assert body["status"] == "rejected" and body["approval"]["status"] == "rejected"
    assert body["approval"]["steps"][0]["decision"] == "rejected"
    assert is_error(post(rep, f"{BASE}/{rid}/submit"), 409)
    assert is_error(patch(rep, f"{BASE}/{rid}", {"purpose": "再试一次"}), 409)


def test_withdraw_while_pending(people, rep):
    rid = post(rep, BASE, as_json(request_data())).json()["id"]
    assert is_error(post(rep, f"{BASE}/{rid}/withdraw"), 409)  # a draft has nothing to withdraw
    post(rep, f"{BASE}/{rid}/submit")
    assert is_error(post(client_for(people["sales_head"]), f"{BASE}/{rid}/withdraw"), 403)  # only the requester

    withdrawn = post(rep, f"{BASE}/{rid}/withdraw", {"comment": "客户行程改期"})
    assert withdrawn.status_code == 200, withdrawn.content
    body = withdrawn.json()
    assert body["status"] == "withdrawn" and body["approval"]["status"] == "withdrawn"
    assert body["history"][-1]["action"] == "withdrawn"
    assert is_error(post(rep, f"{BASE}/{rid}/withdraw"), 409)
    assert client_for(people["sales_head"]).get("/api/v1/approvals/tasks").json()["items"] == []


def test_withdraw_without_a_body(people, rep):
    rid = post(rep, BASE, as_json(request_data())).json()["id"]
    post(rep, f"{BASE}/{rid}/submit")
    response = rep.generic("POST", f"{BASE}/{rid}/withdraw", b"", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_submit_twice_is_a_conflict_and_only_the_requester_edits(people, rep):
    rid = post(rep, BASE, as_json(request_data())).json()["id"]
    head = client_for(people["sales_head"])
    assert head.get(f"{BASE}/{rid}").status_code == 404  # a draft is the requester's alone
    assert post(rep, f"{BASE}/{rid}/submit").status_code == 200
    assert is_error(post(rep, f"{BASE}/{rid}/submit"), 409)
    assert is_error(patch(rep, f"{BASE}/{rid}", {"purpose": "改"}), 409)
    assert is_error(patch(head, f"{BASE}/{rid}", {"purpose": "改"}), 403)
    assert is_error(post(head, f"{BASE}/{rid}/submit"), 403)


def test_submit_incomplete_lists_what_is_missing(people, rep):
    draft = post(rep, BASE, {"purpose": "先存个草稿"})
    assert draft.status_code == 201
    rid = draft.json()["id"]
    response = post(rep, f"{BASE}/{rid}/submit")
    assert response.status_code == 422 and is_error(response)
    errors = response.json()["errors"]
    assert {"clients", "visit_start", "visit_end", "visitor_count", "estimated_cost"} <= set(errors)
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)
    assert rep.get(f"{BASE}/{rid}").json()["status"] == "draft"


def test_important_request_needs_lead_and_departments_on_submit(people, rep):
    rid = post(rep, BASE, as_json(request_data(importance="major"))).json()["id"]
    errors = post(rep, f"{BASE}/{rid}/submit").json()["errors"]
    assert {"lead", "coordinating_departments", "importance_statement", "expected_outcome"} <= set(errors)


def test_naive_datetimes_are_shanghai_time_and_output_has_the_offset(people, rep):
    response = post(rep, BASE, {"visit_start": "2030-03-01T09:00:00", "visit_end": "2030-03-01T01:30:00Z"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["visit_start"] == "2030-03-01T09:00:00+08:00"
    assert body["visit_end"] == "2030-03-01T09:30:00+08:00"
    assert Reception.objects.get(pk=body["id"]).visit_start == datetime.fromisoformat("2030-03-01T01:00:00+00:00")


def test_cost_accepts_a_number_or_a_decimal_string(people, rep):
    assert post(rep, BASE, {"estimated_cost": 1234.5}).json()["estimated_cost"] == "1234.50"
    assert post(rep, BASE, {"estimated_cost": "0"}).json()["estimated_cost"] == "0.00"
    assert post(rep, BASE, {"estimated_cost": 20000}).json()["estimated_cost"] == "20000.00"


def test_script_in_a_client_name_round_trips_as_literal_text(people, rep):
    name = '<script>alert("x")</script>'
    data = as_json(request_data(clients=[{"name": name, "organization": "<b>单位</b> & Co"}]))
    rid = post(rep, BASE, data).json()["id"]
    body = rep.get(f"{BASE}/{rid}").json()
    assert body["clients"][0]["name"] == name
    assert body["clients"][0]["organization"] == "<b>单位</b> & Co"
    assert ClientContact.objects.get(pk=body["clients"][0]["id"]).name == name


def test_clients_by_id_and_replacing_the_list(people, rep):
    first = post(rep, BASE, as_json(request_data())).json()
    contact_id = first["clients"][0]["id"]
    second = post(
        rep, BASE, {"clients": [{"id": contact_id}, {"name": "周敏", "organization": "华东精密机械有限公司"}]}
    )
    assert second.status_code == 201
    assert [c["name"] for c in second.json()["clients"]] == ["林海", "周敏"]
    # A client as GET shows it may be sent back as is; the id wins.
    replaced = patch(rep, f"{BASE}/{second.json()['id']}", {"clients": [second.json()["clients"][1]]})
    assert [c["name"] for c in replaced.json()["clients"]] == ["周敏"]
    unknown = post(rep, BASE, {"clients": [{"id": 999999}]})
    assert unknown.status_code == 422 and "clients.0.id" in unknown.json()["errors"]


# ------------------------------------------------------------------------------------------ bad input


def _db_state(reception_id):
    reception = Reception.objects.get(pk=reception_id)
    return {
        "counts": [
            m.objects.count()
            for m in (
                Reception,
                ReceptionHistory,
                ClientContact,
                ClientOrganization,
                ApprovalInstance,
                ApprovalTask,
                ApprovalEvent,
                CcRecord,
            )
        ],
        "row": {f.attname: getattr(reception, f.attname) for f in Reception._meta.concrete_fields},
        "clients": list(reception.client_links.values_list("contact_id", "position")),
        "departments": sorted(reception.coordinating_departments.values_list("pk", flat=True)),
    }


BIG = "长" * 100_000
LATER = "2031-05-10T09:00:00+08:00"
EARLIER = "2031-05-09T09:00:00+08:00"

BAD_INPUT = [
    # (target, body, status, an error field expected or None)
    ("patch", {"visit_start": LATER, "visit_end": EARLIER}, 422, "visit_end"),
    ("patch", {"visit_end": "2000-01-01T00:00:00+08:00"}, 422, "visit_end"),  # before the stored start
    ("create", {"visit_start": LATER, "visit_end": LATER}, 422, "visit_end"),
    ("submit-without-clients", None, 422, "clients"),
    ("create", "{not json", 400, None),
    ("patch", '{"purpose": "x",}', 400, None),
    ("create", "[]", 400, None),
    ("patch", '[{"purpose": "x"}]', 400, None),
    ("create", '"just a string"', 400, None),
    ("create", "null", 400, None),
    ("create", '{"estimated_cost": NaN}', 400, None),
    ("create", b'{"purpose": "\xff\xfe"}', 400, None),
    ("create", {"visitor_count": "abc"}, 422, "visitor_count"),
    ("patch", {"visitor_count": "abc"}, 422, "visitor_count"),
    ("patch", {"visitor_count": 2.5}, 422, "visitor_count"),
    ("patch", {"visitor_count": 0}, 422, "visitor_count"),
    ("patch", {"visitor_count": True}, 422, "visitor_count"),
    ("patch", {"purpose": 123}, 422, "purpose"),
    ("patch", {"clients": "林海"}, 422, "clients"),
    ("patch", {"clients": ["林海"]}, 422, "clients.0"),
    ("patch", {"coordinating_departments": "tech"}, 422, "coordinating_departments"),
    ("patch", {"importance": "urgent"}, 422, "importance"),
    ("patch", {"importance": None}, 422, "importance"),
    ("patch", {"visit_start": "next tuesday"}, 422, "visit_start"),
    ("patch", {"visit_start": 1767225600}, 422, "visit_start"),
    ("patch", {"visit_start": "9999-12-31T23:59:59-12:00"}, 422, "visit_start"),
    ("create", {"purpose": BIG}, 422, "purpose"),
    ("patch", {"purpose": BIG}, 422, "purpose"),
    ("patch", {"escort_needs": BIG, "importance_statement": BIG}, 422, "importance_statement"),
    ("patch", {"clients": [{"name": BIG, "organization": "某公司"}]}, 422, "clients.0.name"),
    ("patch", {"clients": [{"name": "林海", "organization": "某" * 201}]}, 422, "clients.0.organization"),
    (
        "patch",
        {"clients": [{"name": "林海", "organization": "某公司", "email": "not-an-email"}]},
        422,
        "clients.0.email",
    ),
    ("patch", {"clients": [{"name": "林海", "organization": "某公司"}] * 51}, 422, "clients"),
    ("create", {"purpose": "来访\x00目的"}, 422, "purpose"),
    ("patch", {"purpose": "来访\x00目的"}, 422, "purpose"),
    ("patch", {"expected_outcome": "\x00"}, 422, "expected_outcome"),
    ("patch", {"lead": "sales\x00rep"}, 422, "lead"),
    ("patch", {"coordinating_departments": ["te\x00ch"]}, 422, "coordinating_departments.0"),
    ("patch", {"visit_start": "2031-05-10T09:00:00\x00"}, 422, "visit_start"),
    ("create", {"clients": [{"name": "林\x00海", "organization": "某公司"}]}, 422, "clients.0.name"),
    ("patch", {"clients": [{"name": "林海", "organization": "某公司", "phone": "138\x00"}]}, 422, "clients.0.phone"),
    ("create", {"purpose": "x", "budget": 1}, 422, "budget"),
    ("patch", {"status": "approved"}, 422, "status"),
    ("patch", {"number": "JD-2026-9999"}, 422, "number"),
    ("patch", {"clients": [{"name": "林海", "organization": "某公司", "vip": True}]}, 422, "clients.0.vip"),
    ("patch", {"estimated_cost": "100.125"}, 422, "estimated_cost"),
    ("patch", {"estimated_cost": 100.125}, 422, "estimated_cost"),
    ("create", {"estimated_cost": "-1"}, 422, "estimated_cost"),
    ("patch", {"estimated_cost": -0.01}, 422, "estimated_cost"),
    ("patch", {"estimated_cost": "1e20"}, 422, "estimated_cost"),
    ("patch", {"estimated_cost": "Infinity"}, 422, "estimated_cost"),
    ("patch", {"estimated_cost": "五千"}, 422, "estimated_cost"),
    # Rules the services check (after the schema): still nothing written.
    ("patch", {"lead": "nobody_here"}, 422, "lead"),
    ("patch", {"coordinating_departments": ["no-such-dept"]}, 422, "coordinating_departments"),
    ("patch", {"coordinating_departments": ["sales"]}, 422, "coordinating_departments"),
    (
        "create",
        {"clients": [{"name": "新客户", "organization": "新单位"}, {"name": "", "organization": "新单位"}]},
        422,
        "clients.1.name",
    ),
    ("patch", {"clients": [{"name": "新客户", "organization": "新单位"}, {"id": 987654}]}, 422, "clients.1.id"),
]


@pytest.mark.parametrize(("target", "body", "status", "field"), BAD_INPUT)
def test_bad_input_is_a_4xx_in_our_shape_and_changes_nothing(people, rep, target, body, status, field):
    start = datetime.fromisoformat(EARLIER) - timedelta(days=1)
    data = as_json(request_data(visit_start=start, visit_end=start + timedelta(hours=8)))
    if target == "submit-without-clients":
        data.pop("clients")
    rid = post(rep, BASE, data).json()["id"]
    before = _db_state(rid)

    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    if target == "create":
        response = rep.post(BASE, raw, content_type="application/json")
    elif target == "patch":
        response = rep.patch(f"{BASE}/{rid}", raw, content_type="application/json")
    else:
        response = rep.post(f"{BASE}/{rid}/submit")

    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert is_error(response)
    if field:
        assert field in response.json()["errors"], response.json()
        assert all(response.json()["errors"][field])
    assert _db_state(rid) == before


def test_a_body_over_the_upload_limit_is_413(people, rep, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = Reception.objects.count()
    response = post(rep, BASE, {"purpose": "x" * 20_000})
    assert response.status_code == 413 and is_error(response)
    assert Reception.objects.count() == before


@pytest.mark.parametrize(
    "path", ["/api/v1/receptions/abc", "/api/v1/receptions/99999999999999999999999", "/api/v1/nothing-here", "/api/v1/"]
)
def test_unknown_paths_are_json_404(people, rep, path):
    response = rep.get(path)
    assert response.status_code == 404 and is_error(response)


def test_an_unsupported_method_is_json_405(people, rep):
    rid = post(rep, BASE, {"purpose": "x"}).json()["id"]
    for response in (rep.put(f"{BASE}/{rid}"), rep.delete(f"{BASE}/{rid}"), rep.get(f"{BASE}/{rid}/submit")):
        assert response.status_code == 405 and is_error(response)
        assert response["Allow"]


def test_bad_list_filters_are_422(people, rep):
    for params in ({"status": "nope"}, {"page": "abc"}, {"page": 0}, {"q": "a\x00b"}, {"q": "x" * 101}):
        response = rep.get(BASE, params)
        assert response.status_code == 422 and is_error(response), params
    assert rep.get(BASE, {"page": 10**9}).status_code == 422


# ------------------------------------------------------------------------------------------ the list


def test_the_list_shows_only_what_the_caller_may_see_and_filters(people, rep, outsider):
    draft = post(rep, BASE, as_json(request_data(purpose="草稿：参观展厅"))).json()
    pending = post(rep, BASE, as_json(request_data(purpose="洽谈年度采购"))).json()
    post(rep, f"{BASE}/{pending['id']}/submit")
    other = client_for(people["tech_eng"])
    post(other, BASE, as_json(request_data(purpose="技术交流")))

    mine = rep.get(BASE, {"status": "", "q": "", "page": ""}).json()
    assert mine["count"] == 2 and [i["id"] for i in mine["items"]] == [pending["id"], draft["id"]]
    assert rep.get(BASE, {"status": "draft"}).json()["items"][0]["id"] == draft["id"]
    assert rep.get(BASE, {"status": "approved"}).json()["count"] == 0
    assert [i["id"] for i in rep.get(BASE, {"q": "采购"}).json()["items"]] == [pending["id"]]
    assert rep.get(BASE, {"q": "林海"}).json()["count"] == 2  # client names are searched too
    assert rep.get(BASE, {"q": "JD-"}).json()["count"] == 1

    head = client_for(people["sales_head"]).get(BASE).json()  # the head sees submitted requests, not drafts
    assert [i["id"] for i in head["items"]] == [pending["id"]]
    assert client_for(outsider).get(BASE).json()["count"] == 0

    item = mine["items"][0]
    assert item == rep.get(f"{BASE}/{pending['id']}").json()  # list items have the detail's shape


def test_the_list_pages_by_twenty(people, rep):
    for n in range(23):
        post(rep, BASE, {"purpose": f"第 {n} 次"})
    first, second = rep.get(BASE).json(), rep.get(BASE, {"page": 2}).json()
    assert first["count"] == second["count"] == 23
    assert len(first["items"]) == 20 and len(second["items"]) == 3
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert rep.get(BASE, {"page": 3}).json()["items"] == []


def _list_queries(client) -> tuple[int, int]:
    cache.clear()  # measure the worst case: the total is not cached yet
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BASE)
    assert response.status_code == 200
    return len(queries), len(response.json()["items"])


# token, GM role, the count cache's stamp, count (not cached yet), page, coordinating departments, clients,
# history, approval instances, their tasks, their CC records
LIST_QUERIES = 11


def test_the_list_costs_the_same_queries_at_1_and_30_rows(people):
    rep, head = client_for(people["sales_rep"]), client_for(people["sales_head"])

    def add_requests(n):
        for i in range(n):
            data = as_json(important_data(people)) if i % 2 else as_json(request_data())
            rid = post(rep, BASE, data).json()["id"]
            post(rep, f"{BASE}/{rid}/submit")
            if i % 3 == 0:
                decide(people, "sales_head", rid)

    add_requests(1)
    rep.get(BASE), head.get(BASE)  # first use of a token records it (one write); not part of the list's cost
    one = _list_queries(rep), _list_queries(head)
    add_requests(29)
    thirty = _list_queries(rep), _list_queries(head)

    assert [rows for _n, rows in one] == [1, 1] and [rows for _n, rows in thirty] == [20, 20]
    assert [n for n, _rows in one] == [n for n, _rows in thirty] == [LIST_QUERIES, LIST_QUERIES]


def test_the_detail_has_a_fixed_query_count(people, rep):
    rid = post(rep, BASE, as_json(important_data(people))).json()["id"]
    post(rep, f"{BASE}/{rid}/submit")
    rep.get(f"{BASE}/{rid}")
    with CaptureQueriesContext(connection) as few:
        rep.get(f"{BASE}/{rid}")
    decide(people, "sales_head", rid)
    decide(people, "vp_sales", rid)
    decide(people, "gm", rid)
    with CaptureQueriesContext(connection) as many:
        assert rep.get(f"{BASE}/{rid}").json()["status"] == "approved"
    assert len(few) == len(many)


def test_ids_in_the_response_match_the_database(people, rep):
    body = post(rep, BASE, as_json(request_data())).json()
    reception = Reception.objects.get(pk=body["id"])
    assert body["created_at"].endswith("+08:00")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00", body["visit_start"])
    assert datetime.fromisoformat(body["visit_start"]) == reception.visit_start


def test_http404_inside_an_endpoint_is_our_shape(people, rep, monkeypatch):
    from django.http import Http404

    def raise_404(*args, **kwargs):
        raise Http404("gone")

    monkeypatch.setattr("jiedai.receptions.api.get_reception_for_user", raise_404)
    response = rep.get(f"{BASE}/1")
    assert response.status_code == 404 and is_error(response)


def test_an_unexpected_error_is_logged_and_answered_in_our_shape(people, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("jiedai.receptions.api.ReceptionListing", broken)
    client = Client(headers={"Authorization": f"Bearer {ApiToken.issue(people['sales_rep'])}"})
    client.raise_request_exception = False
    response = client.get(BASE)
    assert response.status_code == 500 and is_error(response)
    assert "a bug" not in response.content.decode()  # no internals leak to the caller
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
    # The test client (like error reporting) still hears about it.
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.get(BASE)


# ---------------------------------------------------------------------------------------------------- the plan key


def _approved(people, rep, **overrides) -> int:
    rid = post(rep, BASE, as_json(request_data(**overrides))).json()["id"]
    post(rep, f"{BASE}/{rid}/submit")
    decide(people, "sales_head", rid)
    decide(people, "vp_sales", rid)
    return rid


def test_the_plan_key_follows_the_plan(people, rep):
    """policy 3.1.2: null until approved; not_started until someone opens the plan; then the plan's status, its
    due date and when it was first submitted (the plan itself is /receptions/{id}/plan)."""
    draft = post(rep, BASE, as_json(request_data())).json()
    assert draft["plan"] is None
    rid = _approved(people, rep)
    body = rep.get(f"{BASE}/{rid}").json()
    assert body["plan"] == {
        "status": "not_started",
        "due_date": body["plan_due_date"],
        "submitted_at": None,
        "overdue": False,
    }
    plan = rep.get(f"{BASE}/{rid}/plan").json()  # the first read creates the draft
    assert rep.get(f"{BASE}/{rid}").json()["plan"]["status"] == "draft"

    # Complete it (an item, a lead, an emergency plan) and submit it through the API. The test reaches up into
    # planning for the set-up; the receptions app itself never imports it.
    from jiedai.planning.tests.factories import ready_plan

    ready_plan(people, Reception.objects.get(pk=rid))
    submitted = post(rep, f"{BASE}/{rid}/plan/submit")
    assert submitted.status_code == 200, submitted.content
    state = rep.get(f"{BASE}/{rid}").json()["plan"]
    assert state["status"] == "pending_review" and state["submitted_at"].endswith("+08:00") and not state["overdue"]
    assert plan["due_date"] == state["due_date"]
    # The list shows the same.
    listed = next(i for i in rep.get(BASE).json()["items"] if i["id"] == rid)
    assert listed["plan"] == state


def test_a_plan_not_submitted_by_its_due_date_is_overdue(people, rep):
    """policy 3.1.2: a visit the day after tomorrow is due 3 working days before it — already past."""
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    rid = _approved(people, rep, visit_start=start, visit_end=start + timedelta(hours=8))
    body = rep.get(f"{BASE}/{rid}").json()
    assert date.fromisoformat(body["plan_due_date"]) < timezone.localdate()
    assert body["plan"]["status"] == "not_started" and body["plan"]["overdue"] is True
    rep.get(f"{BASE}/{rid}/plan")
    assert rep.get(f"{BASE}/{rid}").json()["plan"] == {**body["plan"], "status": "draft"}
