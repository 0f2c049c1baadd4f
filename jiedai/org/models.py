"""Departments, people, company roles and delegation while away (policy 2.2: who approves what)."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Company-wide roles. Department head and supervising leader are properties of a department, not roles."""

    GENERAL_MANAGER = "general_manager", _("总经理")
    FINANCE = "finance", _("财务接待岗")
    ADMINISTRATION = "administration", _("行政接待岗")


class Department(models.Model):
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    head = models.ForeignKey(
        "org.User", verbose_name=_("部门负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # policy 2.2.1: the supervising leader (分管领导) of the department approves after its head.
    supervising_leader = models.ForeignKey(
        "org.User", verbose_name=_("分管领导"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class DelegationQuerySet(models.QuerySet):
    def active_at(self, when):
        return self.filter(starts_at__lte=when, ends_at__gt=when, revoked=False)


class Delegation(models.Model):
    """A person away names a delegate for a period; approval tasks go to the delegate, the record shows both."""

    delegator = models.ForeignKey(User, verbose_name=_("委托人"), on_delete=models.CASCADE, related_name="+")
    delegate = models.ForeignKey(User, verbose_name=_("代理人"), on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    revoked = models.BooleanField(_("已撤销"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("代理授权")
        verbose_name_plural = _("代理授权")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"),
        ]

    def __str__(self):
        return f"{self.delegator} → {self.delegate}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the raw token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最后使用时间"), null=True, blank=True)

    LIFETIME = timedelta(days=30)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    @classmethod
    def issue(cls, user) -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, key_hash=hash_token(raw), expires_at=timezone.now() + cls.LIFETIME)
        return raw

    @classmethod
    def for_raw(cls, raw: str):
        """The live token for a raw value, or None (unknown, expired, or its person deactivated)."""
        token = cls.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None or not token.user.is_active:
            return None
        if token.expires_at is not None and token.expires_at <= timezone.now():
            return None
        return token

    def touch(self):
        type(self).objects.filter(pk=self.pk).update(last_used_at=timezone.now())
