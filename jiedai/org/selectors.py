"""Reads about people and roles. The approval engine and the access layers ask these questions."""

from django.db.models import Exists, OuterRef, Q

from jiedai.org.models import Delegation, Department, RoleAssignment, User


def user_has_role(user, role: str) -> bool:
    """One query per request for all of the person's company roles, remembered on the user object (a request's
    access checks ask several times)."""
    roles = getattr(user, "_company_roles", None)
    if roles is None:
        roles = frozenset(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        user._company_roles = roles
    return role in roles


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
