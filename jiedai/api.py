"""The JSON API under /api/v1 (django-ninja). Each app adds a Router; errors share one shape:
{"detail": "...", "errors": {"field": ["message", ...]}}."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from jiedai.core.api_errors import validation_errors_to_fields
from jiedai.core.errors import DomainError
from jiedai.org.models import ApiToken, hash_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; tokens are stored as SHA-256 hashes (org.ApiToken)."""

    def authenticate(self, request: HttpRequest, token: str):
        if not token or len(token) > 200:
            return None
        api_token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if api_token is None or not api_token.user.is_active:
            return None
        if api_token.last_used_at is None or (timezone.now() - api_token.last_used_at).total_seconds() > 300:
            api_token.touch()
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="Jiedai API",
    version="1",
    description="客户接待管理系统 API / Jiedai client-reception API",
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
)


def error_response(request, status: int, detail: str, errors: dict | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status_code, exc.message, exc.errors)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return error_response(request, 422, _("输入有误，请检查后重试。"), validation_errors_to_fields(exc.errors))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, 401, _("未登录或令牌无效。"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, str(exc))


def _register_routers():
    from jiedai.approvals.api import router as approvals_router
    from jiedai.notify.api import router as notify_router
    from jiedai.org.api import router as org_router
    from jiedai.receptions.api import router as receptions_router
    from jiedai.workdays.api import router as workdays_router

    api.add_router("", org_router)
    api.add_router("/receptions", receptions_router)
    api.add_router("/approvals", approvals_router)
    api.add_router("/notifications", notify_router)
    api.add_router("/workdays", workdays_router)


_register_routers()
