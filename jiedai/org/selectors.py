"""Reads about people and roles. The approval engine and the access layers ask these questions."""

from django.db.models import CharField, Exists, OuterRef, Q, Value

from jiedai.org.models import Delegation, Department, RoleAssignment, User

# Not a role: read with the roles, in the same query, so the navigation can tell whether the person heads or
# supervises a department (the analytics link, policy 5.3.2) without a query of its own.
LEADS_A_DEPARTMENT = "_leads_a_department"


def _company_roles(user) -> frozenset[str]:
    """One query per request for all of the person's company roles and whether they lead a department (head or
    supervising leader), remembered on the user object (a request's access checks ask several times)."""
    roles = getattr(user, "_company_roles", None)
    if roles is None:
        assigned = RoleAssignment.objects.filter(user=user).order_by().values_list("role", flat=True)
        leads = (
            Department.objects.filter(departments_led_by(user))
            .order_by()
            .annotate(role=Value(LEADS_A_DEPARTMENT, output_field=CharField()))
            .values_list("role", flat=True)
        )
        roles = frozenset(assigned.union(leads))
        user._company_roles = roles
    return roles


def user_has_role(user, role: str) -> bool:
    return role in _company_roles(user)


def leads_a_department(user) -> bool:
    """Whether the person heads or supervises any department (read with their roles: no query of its own)."""
    return LEADS_A_DEPARTMENT in _company_roles(user)


def users_with_role(role: str):
    return User.objects.filter(is_active=True, role_assignments__role=role).order_by("id")


def user_roles(user) -> list[str]:
    """Every role the person holds, including the department-bound ones, as stable codes (for /api/v1/me)."""
    roles = list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if Department.objects.filter(head=user).exists():
        roles.append("department_head")
    if Department.objects.filter(supervising_leader=user).exists():
        roles.append("supervising_leader")
    return sorted(set(roles))


def has_role_q(role: str, user_ref="pk") -> Exists:
    """An Exists() to use inside a queryset filter: does OuterRef(user_ref) hold `role`?"""
    return Exists(RoleAssignment.objects.filter(user=OuterRef(user_ref), role=role))


def active_delegate(user, when):
    """The delegate acting for `user` at `when`, or None (the newest delegation wins if several overlap)."""
    delegation = (
        Delegation.objects.active_at(when)
        .filter(delegator=user)
        .select_related("delegate")
        .order_by("-starts_at")
        .first()
    )
    if delegation and delegation.delegate.is_active:
        return delegation.delegate
    return None


def departments_led_by(user) -> Q:
    return Q(head=user) | Q(supervising_leader=user)


def delegations_of(user):
    """The user's delegations, both ways (given and received), newest first."""
    from django.db.models import Q

    return (
        Delegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate")
        .order_by("-starts_at")[:50]
    )
