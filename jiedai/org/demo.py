"""The demo company (used by `seed_demo` and by the tests' named people). Idempotent."""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jiedai.org.models import Department, Role, RoleAssignment, User

DEMO_PASSWORD = "jiedai-demo"  # noqa: S105 - documented demo logins, never used in production data

DEPARTMENTS = [
    ("sales", "销售部"),
    ("tech", "技术部"),
    ("finance", "财务部"),
    ("admin", "行政部"),
    ("gm_office", "总经理办公室"),
]

# username, name, department, company roles, e-mail
PEOPLE = [
    ("sales_rep", "王小明", "sales", [], "sales_rep@example.com"),
    ("sales_head", "李红", "sales", [], "sales_head@example.com"),
    ("tech_eng", "张伟", "tech", [], "tech_eng@example.com"),
    ("tech_head", "刘强", "tech", [], "tech_head@example.com"),
    ("vp_sales", "陈静", "gm_office", [], "vp_sales@example.com"),
    ("vp_ops", "赵磊", "gm_office", [], "vp_ops@example.com"),
    ("gm", "周建国", "gm_office", [Role.GENERAL_MANAGER], "gm@example.com"),
    ("fin_clerk", "孙丽", "finance", [Role.FINANCE], "fin_clerk@example.com"),
    ("fin_head", "吴芳", "finance", [], "fin_head@example.com"),
    ("admin_clerk", "郑洁", "admin", [Role.ADMINISTRATION], "admin_clerk@example.com"),
    ("admin_head", "冯涛", "admin", [], "admin_head@example.com"),
]

HEADS = {"sales": "sales_head", "tech": "tech_head", "finance": "fin_head", "admin": "admin_head", "gm_office": "gm"}
LEADERS = {"sales": "vp_sales", "tech": "vp_ops", "finance": "vp_ops", "admin": "vp_ops", "gm_office": "gm"}


@transaction.atomic
def ensure_demo_org() -> dict[str, User]:
    """Create (or repair) the demo departments and people; returns users by username."""
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(code=code, defaults={"name": name})
    users = {}
    for username, name, dept, roles, email in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": name, "department": departments[dept], "email": email, "password": password_hash},
        )
        if not created and (user.department_id != departments[dept].pk or user.full_name != name):
            user.department, user.full_name = departments[dept], name
            user.save(update_fields=["department", "full_name"])
        for role in roles:
            RoleAssignment.objects.get_or_create(user=user, role=role)
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="sysadmin",
        defaults={"full_name": "系统管理员", "is_staff": True, "is_superuser": True, "password": password_hash},
    )
    users["sysadmin"] = admin
    for code, department in departments.items():
        department.head = users[HEADS[code]]
        department.supervising_leader = users[LEADERS[code]]
        department.save(update_fields=["head", "supervising_leader"])
    return users
