"""The JSON API under /api/v1 (django-ninja). Each app adds a Router; errors share one shape:
{"detail": "...", "errors": {"field": ["message", ...]}} — including a body that is not JSON, a path that does
not exist, a method an endpoint does not take, a body that is too large and an unexpected server error."""

import functools
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest
from django.urls import URLPattern, re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from jiedai.core.api_errors import validation_errors_to_fields
from jiedai.core.errors import DomainError
from jiedai.org.models import ApiToken

logger = logging.getLogger("django.request")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; tokens are stored as SHA-256 hashes (org.ApiToken)."""

    def authenticate(self, request: HttpRequest, token: str):
        if not token or len(token) > 200:
            return None
        api_token = ApiToken.for_raw(token)
        if api_token is None:
            return None
        if api_token.last_used_at is None or (timezone.now() - api_token.last_used_at).total_seconds() > 300:
            api_token.touch()
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class BodyNotAnObject(ValueError):
    """The body is not a JSON object (malformed JSON, an array, a bare string, NaN...)."""


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class JsonObjectParser(Parser):
    """Bodies are JSON objects. ninja turns any exception raised here into HttpError(400) (chained, so the
    handler below can tell it apart and answer in our shape)."""

    def parse_body(self, request: HttpRequest):
        data = json.loads(request.body, parse_constant=_reject_constant)
        if not isinstance(data, dict):
            raise BodyNotAnObject("body is not a JSON object")
        return data


class JiedaiAPI(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        # ninja answers a method no endpoint takes with a plain-text 405, and its root URL with Django's HTML 404;
        # wrap every view to answer those in our shape.
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_errors(pattern.callback)
        # Anything else under /api/v1/ is a JSON 404, not the web UI's HTML page (csrf-exempt like every endpoint,
        # so an unknown POST is a 404 and not a CSRF failure).
        urls.append(re_path(r"^.*$", csrf_exempt(functools.partial(_unknown_path, api=self)), name="unknown"))
        return urls


def _json_errors(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(request, 404, _("接口不存在。"))
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = error_response(request, 405, _("不支持该请求方法。"))
            if allowed:
                response["Allow"] = allowed
        return response

    return wrapper


def _unknown_path(request, api, **kwargs):
    return error_response(request, 404, _("接口不存在。"))


api = JiedaiAPI(
    title="Jiedai API",
    version="1",
    description=(
        "客户接待管理系统 API / Jiedai client-reception API.\n\n"
        "Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`. "
        'Errors are JSON: `{"detail": "...", "errors": {"field": ["message", ...]}}`. '
        "Datetimes are ISO 8601 with an offset, shown in Asia/Shanghai; input without an offset is read as "
        "Asia/Shanghai time. Money is a decimal string with two places."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    parser=JsonObjectParser(),
)


def error_response(request, status: int, detail: str, errors: dict | None = None, extra: dict | None = None):
    body = {"detail": str(detail), "errors": errors or {}, **(extra or {})}
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status_code, exc.message, exc.errors, exc.payload())


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return error_response(request, 422, _("输入有误，请检查后重试。"), validation_errors_to_fields(exc.errors))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, 401, _("未登录或令牌无效。"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's "Cannot parse request body": say it in the user's language.
        return error_response(
            request, 400, _("请求体必须是 JSON 对象。"), {"__all__": [_("请求体不是有效的 JSON 对象。")]}
        )
    return error_response(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, _("找不到请求的内容。"))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error_response(request, 403, _("没有权限执行此操作。"))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return error_response(request, 413, _("请求体过大。"))


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc):
    return error_response(request, 400, _("请求无效。"))


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    """A bug: log it like Django does (and let the test client re-raise it), answer in our shape."""
    if settings.DEBUG:
        raise exc
    got_request_exception.send(sender=None, request=request)
    logger.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500})
    return error_response(request, 500, _("服务器内部错误，请稍后重试。"))


def _register_routers():
    from jiedai.approvals.api import router as approvals_router
    from jiedai.expenses.api import router as budget_router
    from jiedai.expenses.api_analytics import router as analytics_router
    from jiedai.expenses.api_claims import router as claims_router
    from jiedai.expenses.api_exports import router as exports_router
    from jiedai.expenses.api_oversight import router as oversight_router
    from jiedai.expenses.api_supplementary import router as supplementary_router
    from jiedai.notify.api import router as notify_router
    from jiedai.org.api import router as org_router
    from jiedai.planning.api_plan import router as plan_router
    from jiedai.planning.api_resources import router as resources_router
    from jiedai.receptions.api import router as receptions_router
    from jiedai.workdays.api import router as workdays_router

    api.add_router("", org_router)
    api.add_router("/receptions", receptions_router)
    # The plan lives under its request (/receptions/{id}/plan...): a second router on the same prefix, so the
    # receptions app does not import planning (planning sits above it).
    api.add_router("/receptions", plan_router)
    api.add_router("/receptions", budget_router)  # the visit's money (policy 5.1), like the plan
    api.add_router("", claims_router)  # reimbursement (policy 5.2): /receptions/{id}/claims and /claims/{id}
    api.add_router("", analytics_router)  # policy 5.3.2: /finance/analytics
    api.add_router("", exports_router)  # policy 5.3.2: /finance/analytics/exports (the workbook, in the background)
    api.add_router("", oversight_router)  # policy 5.3.2: /finance/anomalies, /finance/entertainment-tax
    api.add_router("", supplementary_router)  # policy 5.3.1: supplementary budgets, of a visit and one
    api.add_router("", resources_router)
    api.add_router("/approvals", approvals_router)
    api.add_router("/notifications", notify_router)
    api.add_router("/workdays", workdays_router)


_register_routers()
