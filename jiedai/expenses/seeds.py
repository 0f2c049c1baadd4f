"""The expense categories policy 5.1.1 names, seeded as data (administration adds more in the admin)."""

CATEGORIES = [
    ("transport", "交通费"),
    ("catering", "餐饮费"),
    ("lodging", "住宿费"),
    ("venue", "场地布置费"),
    ("materials", "资料费"),
    ("gifts", "礼品费"),
]


def ensure_categories(ExpenseCategory=None) -> None:
    if ExpenseCategory is None:
        from jiedai.expenses.models import ExpenseCategory
    for position, (code, name) in enumerate(CATEGORIES, start=1):
        ExpenseCategory.objects.get_or_create(code=code, defaults={"name": name, "position": position * 10})
