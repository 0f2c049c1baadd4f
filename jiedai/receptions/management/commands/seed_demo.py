from django.core.management.base import BaseCommand

from jiedai.approvals.seeds import ensure_seed_flows
from jiedai.org.demo import DEMO_PASSWORD, PEOPLE, ensure_demo_org
from jiedai.receptions.demo import ensure_demo_receptions


class Command(BaseCommand):
    help = "Create the demo company, its people and requests in every status (idempotent)."

    def handle(self, *args, **options):
        ensure_seed_flows()
        people = ensure_demo_org()
        created = ensure_demo_receptions(people)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} requests created)."))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for username, name, department, _roles, _email in PEOPLE:
            self.stdout.write(f"  {username:<12} {name}  ({department})")
        self.stdout.write("  sysadmin     系统管理员 (Django admin: /admin/)")
