"""Reception money walked through in a real browser, as the people involved would (policy 5):

- the requester writes the budget of his visit (quantity × unit price, an amount with its basis) and submits it;
  the host head, finance and the supervising leader (on a phone) approve it (5.1);
- after the visit he claims it: the first invoice he types was already claimed on another claim — refused, naming
  that claim (5.2.2) — he types the right one; the claim goes over the budget, so it cannot be submitted: the page
  offers a supplementary budget for the gap, which he asks for; head, finance and leader approve it; now the claim
  goes in (5.3.1);
- the head approves; finance approves one line at 0 with its reason and the rest as claimed; the leader and the
  general manager approve; finance records the payment (5.2.2–5.2.3);
- finance opens the analytics page and finds the visit's department and spending there (5.3.2).

Every page is checked for console errors (CSP violations included) and screenshotted (test-artifacts/screenshots/).
The visit and the other claim are set up through the services, as the earlier stories would have left them (the
visit happened a week ago: jiedai.expenses.demo_history replays it on its days)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PURPOSE = "华东精密年度采购洽谈（报销演示）"


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def card(page, title: str):
    header = page.locator(".card-header").filter(has_text=re.compile(rf"^\s*{re.escape(title)}"))
    return page.locator("section.card").filter(has=header)


def confirm_click(person, button):
    person.accept_dialogs += 1
    button.click()
    person.page.wait_for_load_state("load")


def approve_here(person, comment: str = "同意"):
    """Approve the task shown on this page (the decision panel), as the approver would."""
    page = person.page
    panel = page.locator("#decide")
    expect(panel.get_by_text("待您审批")).to_be_visible()
    panel.get_by_label("审批意见").fill(comment)
    button = panel.get_by_role("button", name="同意", exact=True)
    button.scroll_into_view_if_needed()
    button.click()
    expect(page.locator("#decide")).to_have_count(0)
    expect(page.get_by_role("alert").filter(has_text="已同意")).to_be_visible()
    person.check()


def fill_row(page, n: int, **values):
    """Row n (0-based) of the claim form: labels as the user reads them."""
    row = page.locator("#edit fieldset").nth(n)
    labels = {
        "line": "明细行号",
        "description": "内容",
        "amount": "报销金额（元）",
        "number": "发票号码",
        "date": "开票日期",
        "before": "金额（元）",
        "tax": "税额（元）",
        "total": "价税合计（元）",
        "seller": "销售方名称",
    }
    if "category" in values:
        select = row.get_by_label("类别", exact=True)
        option = select.locator("option").filter(has_text=values.pop("category")).first
        select.select_option(value=option.get_attribute("value"))
    for key, value in values.items():
        row.get_by_label(labels[key], exact=True).fill(value)


@pytest.fixture
def visit(people):
    """A visit that ended a week ago, and another one whose claim (submitted) holds an invoice already."""
    from jiedai.expenses.demo_history import approved_visit, claim_with_invoices, visit_with_budget
    from jiedai.expenses.models import ExpenseCategory, Invoice
    from jiedai.expenses.seeds import ensure_categories
    from jiedai.expenses.services.claims import claim_submit
    from jiedai.receptions.demo import local_at

    ensure_categories()
    c = {category.code: category for category in ExpenseCategory.objects.all()}
    start = local_at(-8, 9)
    reception = approved_visit(people, start_at=start, requester="sales_rep", purpose=PURPOSE, visitors=3, client=0)
    other = visit_with_budget(
        people,
        c,
        start_at=start - timedelta(days=20),
        requester="sales_rep",
        purpose="其他来访",
        importance="normal",
        visitors=2,
        days=1,
        client=2,
    )
    claimed = claim_with_invoices(people, other, c, at=timezone.now() - timedelta(days=3), requester="sales_rep")
    claim_submit(claim_id=claimed.pk, by=people["sales_rep"])
    taken = Invoice.objects.filter(line__claim=claimed).first()
    return {"reception": reception, "taken": taken, "other_claim": claimed, "day": start.date().isoformat()}


def test_budget_claim_overrun_supplementary_audit_payment_analytics(open_as, visit):
    reception = visit["reception"]
    budget_url = f"/receptions/{reception.pk}/budget/"

    # --- the requester budgets the visit (policy 5.1.1) -----------------------------------------------------
    rep = open_as("sales_rep")
    rep.login()
    rep.goto(f"/receptions/{reception.pk}/")
    rep.page.get_by_role("link", name=re.compile("接待预算")).first.click()
    page = rep.page
    expect(page.get_by_role("heading", name=re.compile("接待预算"))).to_be_visible()
    rows = page.locator("#edit fieldset")
    first, second = rows.nth(0), rows.nth(1)
    first.get_by_label("类别", exact=True).select_option(label="餐饮费")
    first.get_by_label("内容", exact=True).fill("欢迎宴")
    first.get_by_label("数量", exact=True).fill("8")
    first.get_by_label("单价（元）", exact=True).fill("150")
    second.get_by_label("类别", exact=True).select_option(label="交通费")
    second.get_by_label("内容", exact=True).fill("接送机")
    second.get_by_label("金额（元）", exact=True).fill("600.00")
    second.get_by_label("测算依据", exact=True).fill("商务车两趟")
    page.get_by_role("button", name="保存预算").click()
    expect(page.get_by_role("alert").filter(has_text="预算已保存")).to_be_visible()
    expect(card(page, "预算明细")).to_contain_text("1,800.00")
    confirm_click(rep, page.get_by_role("button", name="提交审批"))
    expect(page.locator(".badge").filter(has_text="审批中").first).to_be_visible()
    rep.shot("budget-submitted")

    # --- head, finance, and the leader on a phone approve it (policy 5.1.2) ---------------------------------
    for username, phone in (("sales_head", False), ("fin_clerk", False), ("vp_sales", True)):
        approver = open_as(username, phone=phone)
        approver.login()
        approver.goto(budget_url)
        approve_here(approver)
        if phone:
            approver.no_horizontal_scroll()
            approver.shot("budget-leader-phone")
        approver.close()
    rep.goto(budget_url)
    expect(page.locator(".badge").filter(has_text="已批准").first).to_be_visible()

    # --- after the visit: the claim; an invoice claimed before is refused (policy 5.2.2) -----------------------
    page.get_by_role("link", name="报销").first.click()
    page.get_by_role("button", name="新建报销单").click()
    expect(page.get_by_role("heading", name=re.compile("报销单"))).to_be_visible()
    taken = visit["taken"]
    day = visit["day"]
    fill_row(
        page,
        0,
        line="1",
        category="餐饮",
        description="欢迎宴",
        amount="1500.00",
        number=taken.number,
        date=day,
        before="1415.09",
        tax="84.91",
        total="1500.00",
        seller="上海外滩茂悦大酒店有限公司",
    )
    fill_row(
        page,
        1,
        line="2",
        category="交通",
        description="接送机",
        amount="600.00",
        number="25310000000077770002",
        date=day,
        before="566.04",
        tax="33.96",
        total="600.00",
        seller="上海申通商务车服务有限公司",
    )
    page.get_by_role("button", name="保存报销单").click()
    expect(page.locator("#edit").get_by_text(re.compile(rf"报销单 #{visit['other_claim'].pk}"))).to_be_visible()
    rep.shot("claim-invoice-already-claimed")
    fill_row(page, 0, number="25310000000077770001")
    page.get_by_role("button", name="保存报销单").click()
    expect(page.get_by_role("alert").filter(has_text="已保存")).to_be_visible()

    # --- over the budget: blocked, a supplementary budget for the gap (policy 5.3.1) --------------------------
    confirm_click(rep, page.get_by_role("button", name="提交审批"))
    expect(page.get_by_role("alert").filter(has_text="超出已批准的预算")).to_be_visible()
    claim_url = page.url
    rep.shot("claim-over-budget")
    page.locator("#overrun").get_by_role("link", name="按差额申请追加预算").click()
    expect(page.get_by_role("heading", name="申请追加预算")).to_be_visible()
    expect(page.locator("#edit fieldset").nth(0).get_by_label("追加金额（元）")).to_have_value("300.00")
    page.get_by_label("追加理由").fill("客户临时增加两位随行人员，欢迎宴超出预算 ¥300")
    page.get_by_role("button", name="保存追加预算").click()
    expect(page.locator(".badge").filter(has_text="草稿").first).to_be_visible()
    confirm_click(rep, page.get_by_role("button", name="提交审批"))
    expect(page.locator(".badge").filter(has_text="审批中").first).to_be_visible()
    extra_url = page.url
    rep.shot("supplementary-submitted")
    for username in ("sales_head", "fin_clerk", "vp_sales"):
        approver = open_as(username)
        approver.login()
        approver.goto(extra_url)
        approve_here(approver)
        approver.close()

    rep.goto(claim_url)
    confirm_click(rep, page.get_by_role("button", name="提交审批"))
    expect(page.get_by_role("alert").filter(has_text="已提交")).to_be_visible()
    rep.check()

    # --- the head; finance rejects one line and approves the rest; leader, GM; payment (5.2.2–5.2.3) ------------
    head = open_as("sales_head")
    head.login()
    head.goto(claim_url)
    approve_here(head)

    finance = open_as("fin_clerk")
    finance.login()
    finance.goto(claim_url)
    fpage = finance.page
    transport = fpage.locator("li[id^=line-]").filter(has_text="接送机")
    transport.get_by_placeholder("核准金额（元）").fill("0")
    transport.get_by_placeholder("核减理由").fill("接送机已由客户自行安排，不予报销")
    transport.get_by_role("button", name="核定金额").click()
    expect(fpage.locator("li[id^=line-]").filter(has_text="接送机")).to_contain_text("不予报销")
    finance.shot("claim-finance-audit")
    approve_here(finance, "发票真实、合规，接送机一项核减")

    for username in ("vp_sales", "gm"):
        approver = open_as(username)
        approver.login()
        approver.goto(claim_url)
        approve_here(approver)
        approver.close()

    finance.goto(claim_url)
    pay = fpage.locator("#pay")
    pay.get_by_label("付款方式").fill("银行转账")
    pay.get_by_label("付款凭证号").fill("HX-STORY-1")
    pay.get_by_role("button", name="确认付款").click()
    expect(fpage.locator(".badge").filter(has_text="已付款").first).to_be_visible()
    expect(fpage.get_by_text(re.compile("已于 .* 付款"))).to_be_visible()
    finance.shot("claim-paid")

    # --- finance's analytics show it (policy 5.3.2) ---------------------------------------------------------
    finance.goto("/finance/analytics/")
    expect(fpage.get_by_role("heading", name=re.compile("费用分析"))).to_be_visible()
    expect(fpage.locator("body")).to_contain_text("销售部")
    expect(fpage.locator("body")).to_contain_text("1,500.00")
    fpage.wait_for_function("() => document.querySelectorAll('canvas, svg').length > 0")
    finance.shot("finance-analytics")
    rep.check()
