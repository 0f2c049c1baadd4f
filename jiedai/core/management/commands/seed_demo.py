from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from jiedai.approvals.seeds import ensure_seed_flows
from jiedai.org.demo import DEMO_PASSWORD, PEOPLE, ensure_demo_org


def demo_builders():
    """Each app's `demo.ensure_demo(people) -> int`, in INSTALLED_APPS order (an app builds on those before it)."""
    for config in apps.get_app_configs():
        if config.name.startswith("jiedai.") and find_spec(f"{config.name}.demo"):
            module = import_module(f"{config.name}.demo")
            if hasattr(module, "ensure_demo"):
                yield config.label, module.ensure_demo


class Command(BaseCommand):
    help = "Create the demo company, its people, requests in every status and plans in every state (idempotent)."

    def handle(self, *args, **options):
        ensure_seed_flows()
        people = ensure_demo_org()
        for label, ensure_demo in demo_builders():
            created = ensure_demo(people)
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: {label} ({created} created)."))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for username, name, department, _roles, _email in PEOPLE:
            self.stdout.write(f"  {username:<12} {name}  ({department})")
        self.stdout.write("  sysadmin     系统管理员 (Django admin: /admin/)")
