"""The reception request walked through in a real browser, as the people involved would (policy 2.1–2.2.3):

- the requester fills the 客户接待通知申请表 (picking a client from the directory, adding another) and submits it;
  the department head, the supervising leader (on a phone) and the general manager (important visit, 2.2.2)
  approve; the requester sees 已批准 and the plan due date; finance finds the copy (抄送) and reads it; someone
  from another department gets a 404;
- a head returns a request with a comment, the requester edits and resubmits it; rejecting needs a comment;
- a client named <script>alert(1)</script> is shown as text;
- the language menu switches the interface to English and Traditional Chinese.

Every page is checked for console errors (CSP violations included) and screenshotted (test-artifacts/screenshots/).
Set JIEDAI_UPDATE_DOCS_SCREENSHOT=1 to refresh docs/screenshot-home.png (the README's picture) from the story."""

import os
import re
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override

from jiedai.receptions.models import LOCAL_TZ, Reception, ReceptionStatus
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import important_data, request_data

from .conftest import ROOT, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PURPOSE = "考察生产线并洽谈 2027 年度采购框架协议"
ORGANISATION = "华东精密机械有限公司"


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def visit_times(days_ahead: int = 25) -> tuple[str, str]:
    """A two-day visit about a month ahead, as datetime-local values (Beijing time)."""
    start = (timezone.now() + timedelta(days=days_ahead)).astimezone(LOCAL_TZ)
    start = start.replace(hour=9, minute=30, second=0, microsecond=0)
    end = (start + timedelta(days=1)).replace(hour=16, minute=0)
    return start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")


def card(page, title: str):
    """The card (a <section>) whose header says `title`."""
    return page.locator("section.card").filter(has=page.locator(".card-header").filter(has_text=title))


def current_step(page):
    return page.locator(".timeline [aria-current=step]")


def decide(person, comment: str, button: str = "同意"):
    """Type the comment in the decision panel and press the button; the page reloads with the outcome."""
    page = person.page
    panel = page.locator("#decide")
    expect(panel.get_by_text("待您审批")).to_be_visible()
    panel.get_by_label("审批意见").fill(comment)
    panel.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#decide")).to_have_count(0)


def assert_below_navbar(page, selector: str = "#decide"):
    """After the jump to an anchor, the target's top is not hidden under the sticky navbar."""
    navbar = page.locator("nav.navbar").bounding_box()
    target = page.locator(selector).bounding_box()
    assert target["y"] >= navbar["y"] + navbar["height"] - 1, f"{selector} at {target} is under the navbar {navbar}"


def open_task_from_home(person, title_part: str):
    page = person.page
    task = card(page, "我的待办").get_by_role("link", name=re.compile(re.escape(title_part)))
    expect(task).to_be_visible()
    task.click()
    expect(page.locator("#decide")).to_be_visible()
    assert_below_navbar(page)
    person.check()


# ----------------------------------------------------------------------------------------------------------------


def test_story_request_approved_copied_and_hidden_from_outsiders(open_as, people, live_server):
    # Last month this client's colleague visited: the directory knows 林海, and the approvers see an earlier visit.
    earlier = reception_create(by=people["sales_rep"], data=request_data(purpose="季度技术交流"))
    earlier = reception_submit(reception_id=earlier.pk, by=people["sales_rep"])
    start, end = visit_times()
    year = timezone.now().astimezone(LOCAL_TZ).year

    # ---- 1. the requester files the request on a desktop -------------------------------------------------
    rep = open_as("sales_rep")
    page = rep.page
    rep.login()
    rep.shot("01-requester-home")
    new_request = page.get_by_role("navigation").get_by_role("link", name="新建申请", exact=True)
    button, bar = new_request.evaluate(
        "a => [getComputedStyle(a).backgroundColor, getComputedStyle(a.closest('nav')).backgroundColor]"
    )
    assert button not in (bar, "rgba(0, 0, 0, 0)"), f"新建申请 does not stand out from the navbar: {button} on {bar}"
    new_request.click()
    expect(page.get_by_role("heading", name="客户接待通知申请表")).to_be_visible()
    rep.check()

    page.get_by_label("来访目的").fill(PURPOSE)
    page.get_by_label("来访开始时间").fill(start)
    page.get_by_label("来访结束时间").fill(end)
    expect(page.locator("[data-stay-output]")).to_have_text("2")
    page.get_by_label("来访人数").fill("4")
    page.get_by_label("陪同人员需求").fill("需要技术部工程师陪同参观生产线，并安排会议室")

    # the first client from the directory (htmx search), the second typed in a new row
    page.get_by_label("从客户名录选择").fill("林海")
    pick = page.locator("[data-pick-client]", has_text="林海")
    expect(pick).to_be_visible()
    rep.shot("02-requester-directory-search", full_page=False)
    pick.click()
    expect(page.get_by_label("客户姓名", exact=True).first).to_have_value("林海")
    expect(page.get_by_label("客户单位", exact=True).first).to_have_value(ORGANISATION)
    page.get_by_role("button", name="添加客户").click()
    expect(page.get_by_label("客户姓名", exact=True)).to_have_count(2)
    page.get_by_label("客户姓名", exact=True).nth(1).fill("赵敏")
    page.get_by_label("客户单位", exact=True).nth(1).fill(ORGANISATION)
    page.get_by_label("客户职务", exact=True).nth(1).fill("副总经理")
    page.get_by_label("客户电话", exact=True).nth(1).fill("13912345678")
    page.get_by_label("客户邮箱", exact=True).nth(1).fill("zhaomin@hdjm.example.com")

    page.get_by_role("radiogroup", name="重要程度").get_by_text("重要", exact=True).click()
    expect(page.get_by_role("radio", name="重要", exact=True)).to_be_checked()
    expect(page.locator("[data-important-section]")).to_have_class(re.compile(r"\bis-required\b"))
    page.get_by_label("预计费用（元）").fill("18000")
    page.get_by_label("牵头负责人").select_option(label="王小明（销售部）")
    page.get_by_label("技术部", exact=True).check()
    page.get_by_label("重要性说明").fill("年度采购额最大的客户，续签框架协议")
    page.get_by_label("预期效果").fill("签订 2027 年度采购框架协议")
    rep.shot("03-requester-form-filled")

    page.get_by_role("button", name="提交审批", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="已提交审批")).to_be_visible()
    header = page.locator(".page-header")
    expect(header).to_contain_text(re.compile(rf"JD-{year}-\d{{4}}"))
    number = re.search(rf"JD-{year}-\d{{4}}", header.inner_text()).group(0)
    expect(header.locator(".badge").first).to_have_text("审批中")
    expect(current_step(page)).to_contain_text("部门负责人审核")
    expect(current_step(page)).to_contain_text("李红")
    expect(current_step(page)).to_contain_text("待处理")
    rep.shot("04-requester-submitted")
    reception = Reception.objects.get(number=number)
    detail_url = f"/receptions/{reception.pk}/"
    assert page.url.endswith(detail_url)
    assert reception.status == ReceptionStatus.PENDING_APPROVAL
    assert sorted(reception.client_links.values_list("contact__name", flat=True)) == ["林海", "赵敏"]

    # ---- 2. the department head: the to-do on the home page and the task list ------------------------------
    head = open_as("sales_head")
    head.login()
    expect(card(head.page, "我的待办")).to_contain_text(number)
    expect(head.page.get_by_role("navigation").get_by_role("link", name=re.compile("^待办"))).to_contain_text("2")
    head.shot("05-head-home-todos")
    head.page.get_by_role("navigation").get_by_role("link", name=re.compile("^待办")).click()
    expect(head.page.get_by_role("heading", name=re.compile("我的待办"))).to_be_visible()
    row = head.page.get_by_role("row").filter(has_text=number)
    expect(row).to_be_visible()
    head.shot("06-head-tasks")
    row.get_by_role("link", name="处理").click()
    expect(head.page.locator("#decide")).to_contain_text("部门负责人审核")
    expect(head.page.locator("#decide")).to_contain_text("总经理审批线")
    assert_below_navbar(head.page)
    head.shot("07-head-decide-opened", full_page=False)  # what the head sees on arrival: the decision panel
    head.shot("07-head-decide")
    decide(head, "同意。请提前确认参观路线和安全要求。")
    expect(head.page.get_by_role("alert").filter(has_text="已同意")).to_be_visible()
    expect(current_step(head.page)).to_contain_text("分管领导审批")
    expect(current_step(head.page)).to_contain_text("陈静")
    head.check()

    # ---- 3. the supervising leader, on a phone ------------------------------------------------------------
    vp = open_as("vp_sales", phone=True)
    phone = vp.page
    vp.login()
    vp.no_horizontal_scroll()
    menu = phone.get_by_role("button", name="菜单")
    expect(menu).to_be_visible()
    nav_tasks = phone.locator("#mainnav").get_by_role("link", name=re.compile("^待办"))
    expect(nav_tasks).to_be_hidden()
    vp.shot("08-vp-phone-home")
    menu.click()
    expect(nav_tasks).to_be_visible()
    vp.shot("09-vp-phone-menu", full_page=False)
    nav_tasks.click()
    expect(phone.get_by_role("heading", name=re.compile("我的待办"))).to_be_visible()
    vp.no_horizontal_scroll()
    vp.shot("10-vp-phone-tasks")
    phone.get_by_role("link").filter(has_text=number).filter(visible=True).click()
    expect(phone.locator("#decide")).to_contain_text("分管领导审批")
    vp.no_horizontal_scroll()
    assert_below_navbar(phone)
    vp.shot("11-vp-phone-decide-opened", full_page=False)
    approve = phone.locator("#decide").get_by_role("button", name="同意", exact=True)
    approve.scroll_into_view_if_needed()
    box = approve.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert box["height"] >= 30, f"the 同意 button is too small to tap: {box}"
    vp.shot("11-vp-phone-decide-buttons", full_page=False)
    decide(vp, "同意，按重要接待标准安排。")
    expect(phone.get_by_role("alert").filter(has_text="已同意")).to_be_visible()
    expect(current_step(phone)).to_contain_text("总经理审批")
    vp.no_horizontal_scroll()
    vp.shot("12-vp-phone-approved")

    # ---- 4. the general manager (an important visit goes to the GM, policy 2.2.2) --------------------------
    gm = open_as("gm")
    gm.login()
    open_task_from_home(gm, number)
    expect(gm.page.locator("#decide")).to_contain_text("总经理审批")
    expect(gm.page.locator("#decide")).to_contain_text("该客户单位以往来访")
    expect(gm.page.locator("#decide")).to_contain_text(earlier.number)
    gm.shot("13-gm-decide")
    decide(gm, "同意。由王小明牵头，技术部配合。")
    expect(gm.page.get_by_role("alert").filter(has_text="已同意")).to_be_visible()
    expect(gm.page.locator(".page-header .badge").first).to_have_text("已批准")
    gm.check()

    # ---- 5. the requester sees the approval and the plan due date; finance reads the copy -----------------
    rep.goto(detail_url)
    expect(page.locator(".page-header .badge").first).to_have_text("已批准")
    due = page.locator("section", has_text="接待方案截止日期")
    expect(due).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    expect(card(page, "抄送")).to_contain_text("孙丽")
    rep.shot("14-requester-approved")
    rep.goto("/")
    mine = card(page, "我发起的").get_by_role("link").filter(has_text=number)
    expect(mine).to_contain_text("已批准")
    expect(mine).to_contain_text(ORGANISATION)
    expect(mine).not_to_contain_text(f"{ORGANISATION}、{ORGANISATION}")  # two clients, one organisation
    expect(card(page, "近期来访")).to_contain_text(PURPOSE)
    rep.shot("15-requester-home-approved")
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.APPROVED and reception.plan_due_date is not None

    fin = open_as("fin_clerk")
    fin.login()
    copied = fin.page.locator("#copied")
    expect(copied).to_contain_text(number)
    expect(copied).to_contain_text("未阅")
    expect(fin.page.get_by_role("navigation").get_by_role("link", name=re.compile("^通知"))).to_be_visible()
    fin.shot("16-finance-home-copied")
    fin.page.get_by_role("navigation").get_by_role("link", name=re.compile("^通知")).click()
    expect(fin.page.get_by_role("heading", name=re.compile("^通知"))).to_be_visible()
    expect(fin.page.locator("main")).to_contain_text(number)
    fin.shot("17-finance-notifications")
    fin.goto("/")
    copied.get_by_role("link").filter(has_text=number).click()
    expect(fin.page.get_by_role("heading", name=PURPOSE)).to_be_visible()
    expect(fin.page.locator("main")).to_contain_text("林海")
    expect(fin.page.locator("main")).to_contain_text("赵敏")
    expect(fin.page.locator("main")).to_contain_text("技术部")
    expect(fin.page.locator("#decide")).to_have_count(0)
    expect(card(fin.page, "抄送").get_by_role("listitem").filter(has_text="孙丽")).to_contain_text("已阅")
    fin.shot("18-finance-reads-copy")
    fin.goto("/")
    expect(copied).to_contain_text(number)
    expect(copied).not_to_contain_text("未阅")
    fin.check()

    # ---- 7. someone from another department does not even learn that the request exists -------------------
    from jiedai.org.models import Department, User

    marketing = Department.objects.create(code="marketing", name="市场部")
    outsider = User(username="mkt_rep", full_name="钱多多", department=marketing, email="mkt_rep@example.com")
    outsider.set_password("outsider-pass-1")
    outsider.save()
    out = open_as("mkt_rep")
    out.login(password="outsider-pass-1")
    response = out.goto(detail_url)
    assert response.status == 404
    expect(out.page.get_by_role("heading", name="找不到该页面")).to_be_visible()
    expect(out.page.locator("main")).not_to_contain_text(PURPOSE)
    out.allow(r"status of 404")
    out.shot("19-outsider-404")
    response = out.goto(f"/receptions/{reception.pk}/print/")
    assert response.status == 404
    out.allow(r"status of 404")
    out.check()

    for person in (rep, head, vp, gm, fin, out):
        person.check()
    if os.environ.get("JIEDAI_UPDATE_DOCS_SCREENSHOT"):
        shutil.copyfile(
            SCREENSHOTS / f"{rep.prefix}-15-requester-home-approved.png",
            ROOT / "docs" / "screenshot-home.png",
        )


def test_return_resubmit_and_reject_needs_a_comment(open_as, people, live_server):
    reception = reception_create(by=people["sales_rep"], data=important_data(people, purpose="新品发布会前客户考察"))
    reception = reception_submit(reception_id=reception.pk, by=people["sales_rep"])
    number, detail_url = reception.number, f"/receptions/{reception.pk}/"

    # ---- the head returns it: first without a comment (refused in the page), then with one ----------------
    head = open_as("sales_head")
    head.login()
    open_task_from_home(head, number)
    panel = head.page.locator("#decide")
    panel.get_by_role("button", name="退回修改").click()
    expect(panel.get_by_text("驳回或退回时必须填写意见。")).to_be_visible()
    expect(panel.get_by_label("审批意见")).to_have_class(re.compile(r"\bis-invalid\b"))
    head.shot("01-head-return-without-comment")
    decide(head, "来访人数和费用请与客户再确认后重新提交。", button="退回修改")
    expect(head.page.get_by_role("alert").filter(has_text="已退回申请人修改")).to_be_visible()
    head.check()

    # ---- the requester sees 已退回 and the comment, edits and resubmits ------------------------------------
    rep = open_as("sales_rep")
    page = rep.page
    rep.login()
    mine = card(page, "我发起的").get_by_role("link").filter(has_text=number)
    expect(mine).to_contain_text("已退回")
    mine.click()
    expect(page.locator(".page-header .badge").first).to_have_text("已退回")
    returned = page.get_by_role("status").filter(has_text="退回了此申请")
    expect(returned).to_contain_text("李红")
    expect(returned).to_contain_text("来访人数和费用请与客户再确认后重新提交。")
    rep.shot("02-requester-returned")
    page.locator(".page-header").get_by_role("link", name="修改", exact=True).click()
    expect(page.get_by_label("来访人数")).to_have_value("3")
    page.get_by_label("来访人数").fill("5")
    page.get_by_label("预计费用（元）").fill("8800")
    rep.shot("03-requester-edit")
    page.get_by_role("button", name="提交审批", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="已提交审批")).to_be_visible()
    expect(page.locator(".page-header .badge").first).to_have_text("审批中")
    expect(page.locator("details.round")).to_contain_text("第 1 轮")
    expect(page.locator("main")).to_contain_text("第 2 轮（当前）")
    expect(current_step(page)).to_contain_text("部门负责人审核")
    rep.shot("04-requester-resubmitted")
    rep.check()

    # ---- the head rejects: without a comment the page refuses, and so does the server ---------------------
    head.goto("/approvals/tasks/")
    row = head.page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("第 2 轮")
    row.get_by_role("link", name="处理").click()
    panel = head.page.locator("#decide")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="驳回").click()
    expect(panel.get_by_text("驳回或退回时必须填写意见。")).to_be_visible()
    assert head.dialogs == [], "the comment check comes before the confirmation"
    head.goto(detail_url)
    expect(head.page.locator(".page-header .badge").first).to_have_text("审批中")
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.PENDING_APPROVAL

    # a browser without the page's check: the server says the same and nothing is rejected
    head.page.evaluate(
        "() => document.querySelectorAll('[data-needs-comment]').forEach(b => delete b.dataset.needsComment)"
    )
    head.accept_dialogs = 1
    panel.get_by_role("button", name="驳回").click()
    expect(panel.locator(".invalid-feedback").filter(has_text="驳回或退回时必须填写意见。")).to_be_visible()
    assert head.dialogs[-1][0] == "confirm" and "驳回" in head.dialogs[-1][1]
    head.shot("05-head-reject-refused-by-server")
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.PENDING_APPROVAL

    head.accept_dialogs = 1
    decide(head, "客户临时取消新品考察计划，本次接待不再安排。", button="驳回")
    expect(head.page.get_by_role("alert").filter(has_text="已驳回")).to_be_visible()
    expect(head.page.locator(".page-header .badge").first).to_have_text("已驳回")
    head.check()

    rep.goto(detail_url)
    expect(page.locator(".page-header .badge").first).to_have_text("已驳回")
    expect(card(page, "审批进度")).to_contain_text("客户临时取消新品考察计划")
    expect(page.locator(".page-header").get_by_role("link", name="修改", exact=True)).to_have_count(0)
    rep.shot("06-requester-rejected")
    rep.check()
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.REJECTED


def test_client_names_are_text_not_markup(open_as, people, live_server):
    script, image = "<script>alert(1)</script>", '<img src=x onerror="alert(2)">'
    start, end = visit_times(days_ahead=20)
    rep = open_as("sales_rep")
    page = rep.page
    rep.login()
    rep.goto("/receptions/new/")
    page.get_by_label("来访目的").fill(f"技术交流 {script}")
    page.get_by_label("来访开始时间").fill(start)
    page.get_by_label("来访结束时间").fill(end)
    page.get_by_label("来访人数").fill("1")
    page.get_by_label("客户姓名", exact=True).fill(script)
    page.get_by_label("客户单位", exact=True).fill(image)
    page.get_by_label("客户职务", exact=True).fill("<b>总监</b>")
    page.get_by_label("预计费用（元）").fill("1200")
    page.get_by_role("button", name="提交审批", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="已提交审批")).to_be_visible()
    clients = card(page, "来访客户")
    expect(clients.get_by_role("cell", name=script, exact=True)).to_be_visible()
    expect(clients.get_by_role("cell", name=image, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"技术交流 {script}")
    rep.shot("01-requester-detail")

    # the directory picker (an htmx partial) shows the name as text too, and fills it back in unchanged
    rep.goto("/receptions/new/")
    page.get_by_label("从客户名录选择").fill("script")
    pick = page.locator("[data-pick-client]").first
    expect(pick).to_contain_text(script)
    pick.click()
    expect(page.get_by_label("客户姓名", exact=True)).to_have_value(script)
    expect(page.get_by_label("客户单位", exact=True)).to_have_value(image)
    rep.shot("02-requester-directory", full_page=False)

    # the approver's page and home page
    head = open_as("sales_head")
    head.login()
    expect(card(head.page, "我的待办")).to_contain_text(f"技术交流 {script}")
    open_task_from_home(head, "技术交流")
    expect(head.page.locator("main")).to_contain_text(script)
    head.shot("03-head-decide")

    for person in (rep, head):
        assert person.page.locator("main script, main img").count() == 0
        assert person.dialogs == [], f"a dialog fired: {person.dialogs}"
        person.check()


def test_language_menu_switches_the_interface(open_as, people, live_server):
    rep = open_as("sales_rep")
    page = rep.page
    rep.login()
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    nav = page.get_by_role("navigation").first

    def choose(language: str, shot: str = ""):
        nav.get_by_role("button", name="王小明", exact=True).click()
        choice = nav.get_by_role("button", name=language, exact=True)
        expect(choice).to_be_visible()
        if shot:
            rep.shot(shot, full_page=False)
        choice.click()

    choose("English", shot="00-user-menu")
    expect(html).to_have_attribute("lang", "en")
    with override("en"):
        home, tasks = gettext("工作台"), gettext("待办")
    expect(nav.get_by_role("link", name=home, exact=True)).to_be_visible()
    if tasks != "待办":  # the English catalog may not translate everything yet
        expect(nav.get_by_role("link", name=re.compile(f"^{re.escape(tasks)}"))).to_be_visible()
    rep.shot("01-english")

    choose("繁體中文")
    expect(html).to_have_attribute("lang", "zh-hant")
    with override("zh-hant"):
        tasks = gettext("待办")
    expect(nav.get_by_role("link", name=re.compile(f"^{re.escape(tasks)}"))).to_be_visible()
    if tasks == "待辦":
        expect(nav).to_contain_text("待辦")
    rep.shot("02-traditional")

    choose("简体中文")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(nav.get_by_role("link", name="工作台", exact=True)).to_be_visible()
    rep.check()
