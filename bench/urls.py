"""The app's URLconf plus two comparison views, served by the same server through the same middleware:

- /bench/bare: HttpResponse("ok"), the reference every page is compared with;
- /bench/floor: a login-required page that renders the app's base template (navigation, context processors)
  around an empty body: the least any server-rendered page of the app costs, to show how much of a page's time
  is its own.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


_FLOOR = '{% extends "base.html" %}{% block title %}bench{% endblock %}{% block content %}<p>ok</p>{% endblock %}'


@login_required
def floor(request):
    return HttpResponse(engines["django"].from_string(_FLOOR).render({}, request))


urlpatterns = [
    path("bench/bare", bare, name="bench_bare"),
    path("bench/floor", floor, name="bench_floor"),
    path("", include("jiedai.urls")),
]
