"""The roles the permission matrices walk (jiedai/core/tests and jiedai/planning/tests), and the outsider they
add to the demo company: a new department "qa" with no roles and no link to any request."""

from jiedai.org.demo import DEMO_PASSWORD
from jiedai.org.models import Department, User

ROLES = {
    "requester": "sales_rep",
    "head": "sales_head",
    "leader": "vp_sales",
    "gm": "gm",
    "finance": "fin_clerk",
    "administration": "admin_clerk",
    "coord_head": "tech_head",
    "coord_member": "tech_eng",
    "outsider": "qa_inspector",
    "sysadmin": "sysadmin",
    "anonymous": None,
}


def assert_answer(response, expect: str, case) -> None:
    """The matrices' check of one answer: "login" is a redirect to the login page, anything else a status code."""
    from django.urls import reverse

    if expect == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), (case, response)
    else:
        assert response.status_code == int(expect), (case, response.status_code)


def add_outsider(people: dict) -> User:
    qa = Department.objects.create(code="qa", name="质量部")
    people["qa_inspector"] = User.objects.create_user(
        username="qa_inspector", password=DEMO_PASSWORD, full_name="质检员", department=qa
    )
    return people["qa_inspector"]
