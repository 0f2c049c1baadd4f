"""Who a step or a CC rule points at, for a given instance."""

from django.utils.translation import gettext as _

from jiedai.approvals.models import CcTarget, FlowStep, Resolver
from jiedai.org.models import Department, Role, User
from jiedai.org.selectors import users_with_role


def _heads_of_field(instance, field: str) -> list[User]:
    codes = instance.snapshot.get(field) or []
    heads = Department.objects.filter(code__in=codes, head__isnull=False).select_related("head").order_by("code")
    return [department.head for department in heads if department.head.is_active]


def resolve_step(step: FlowStep, instance) -> list[User]:
    """The people a step asks, before delegation. Raises nothing; an empty list is handled by the engine."""
    department = instance.department
    match step.resolver:
        case Resolver.DEPARTMENT_HEAD:
            people = [department.head] if department.head_id else []
        case Resolver.SUPERVISING_LEADER:
            people = [department.supervising_leader] if department.supervising_leader_id else []
        case Resolver.GENERAL_MANAGER:
            people = list(users_with_role(Role.GENERAL_MANAGER))
        case Resolver.ROLE:
            people = list(users_with_role(step.resolver_value))
        case Resolver.USER:
            people = list(User.objects.filter(username=step.resolver_value, is_active=True))
        case Resolver.DEPARTMENT_HEADS_FROM_FIELD:
            people = _heads_of_field(instance, step.resolver_value)
        case _:
            people = []
    unique = {}
    for person in people:
        if person is not None and person.is_active:
            unique.setdefault(person.pk, person)
    return list(unique.values())


def resolve_cc(rule, instance) -> list[User]:
    match rule.target:
        case CcTarget.ROLE:
            return list(users_with_role(rule.value))
        case CcTarget.USER:
            return list(User.objects.filter(username=rule.value, is_active=True))
        case CcTarget.DEPARTMENT_HEADS_FROM_FIELD:
            return _heads_of_field(instance, rule.value)
    return []


def describe_missing(step: FlowStep, instance) -> str:
    return _("步骤“%(step)s”找不到审批人（%(resolver)s，部门：%(department)s）。请联系管理员完善组织设置。") % {
        "step": step.name,
        "resolver": step.get_resolver_display(),
        "department": instance.department,
    }
