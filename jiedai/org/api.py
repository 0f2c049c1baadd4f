"""Authentication and the caller's identity: POST /api/v1/auth/token, GET /api/v1/me."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jiedai.org.models import ApiToken
from jiedai.org.selectors import user_roles

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    username: str
    name: str
    department: str | None
    roles: list[str]


@router.post("/auth/token", auth=None, response=TokenOut)
def token_obtain(request, payload: TokenIn):
    if len(payload.username) > 150 or len(payload.password) > 4096:
        raise HttpError(401, _("用户名或密码不正确。"))
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise HttpError(401, _("用户名或密码不正确。"))
    return {"token": ApiToken.issue(user)}


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    return {
        "username": user.username,
        "name": user.display_name,
        "department": user.department.code if user.department_id else None,
        "roles": user_roles(user),
    }
