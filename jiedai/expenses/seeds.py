"""The expense categories policy 5.1.1 names, seeded as data (administration adds more in the admin)."""

CATEGORIES = [
    ("transport", "交通费"),
    ("catering", "餐饮费"),
    ("lodging", "住宿费"),
    ("venue", "场地布置费"),
    ("materials", "资料费"),
    ("gifts", "礼品费"),
]


# policy 5.3.2, the tax summary: the categories whose spending is 业务招待费 (企业所得税法实施条例 第四十三条). In
# Chinese tax practice business entertainment is what is spent on the guests themselves for the business
# relationship: their meals (catering), gifts to them, and their travel and lodging paid by the company while they
# are received (transport, lodging). Venue setup is a meeting cost (会议费) and printed materials are publicity
# (业务宣传费), deducted under other rules; they do not count. Administration changes the flag in the admin.
ENTERTAINMENT = {"transport", "catering", "lodging", "gifts"}


def ensure_categories(ExpenseCategory=None) -> None:
    if ExpenseCategory is None:
        from jiedai.expenses.models import ExpenseCategory
    # The flag exists from migration 0005 on; migration 0002 runs this with the model as it was then.
    flagged = any(field.name == "counts_as_entertainment" for field in ExpenseCategory._meta.get_fields())
    for position, (code, name) in enumerate(CATEGORIES, start=1):
        defaults = {"name": name, "position": position * 10}
        if flagged:
            defaults["counts_as_entertainment"] = code in ENTERTAINMENT
        ExpenseCategory.objects.get_or_create(code=code, defaults=defaults)
