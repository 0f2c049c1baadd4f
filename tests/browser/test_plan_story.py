"""The reception plan walked through in a real browser, as the people involved would (policy 3.1–3.3):

- the requester opens his approved important visit, goes to 接待方案 and builds the plan: itinerary items (one with
  an internal note) and himself as 接待负责人 (3.1.1); books 一号会议室, which another visit holds at that time: the
  clash names that visit and offers the free rooms, he takes one with a click (3.1.1: nothing is booked twice);
  books a car with its driver; attaches an emergency plan (3.3.1); submits the plan for review (3.1.2);
- the host department's head approves, the coordinating department's head approves on a phone, the supervising
  leader (important visit) approves: the plan is 已确认 (3.1.2);
- administration opens 后勤任务 and ticks a line of the booked room's setup checklist (3.2.3);
- the requester creates the client's itinerary link; the client opens it on a phone without logging in and sees
  the schedule and the contact person, never the internal notes (3.2.1).

Every page is checked for console errors (CSP violations included) and screenshotted (test-artifacts/screenshots/).
The approved requests and the master data (rooms, cars, drivers, emergency templates) are set up through the
services, as the earlier steps (the request story, administration's admin site) would have left them."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = 9  # the visit starts in nine days (inside administration's two-week queue) and lasts three days
PURPOSE = "年度框架协议洽谈及生产线考察"
RIVAL_PURPOSE = "深圳智联新品技术交流"
INTERNAL_NOTE = "价格底线见销售部内部资料，勿外传"
TALKS = "年度框架协议洽谈"
TOUR = "参观总装车间"


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def at(day: int, hour: int, minute: int = 0) -> str:
    """A datetime-local value (Beijing time), `day` days from today."""
    from jiedai.receptions.demo import local_at

    return f"{local_at(day, hour, minute):%Y-%m-%dT%H:%M}"


def card(page, title: str):
    """The card (a <section>) whose header says `title`."""
    return page.locator("section.card").filter(has=page.locator(".card-header").filter(has_text=title))


def open_tab(person, name: str):
    """Click one of the plan's tabs (概览, 行程与人员, 资料, ...) and wait until it is the current one."""
    tabs = person.page.locator("ul.plan-tabs")
    tabs.get_by_role("link", name=name, exact=True).click()
    expect(tabs.locator("[aria-current=page]")).to_have_text(name)
    person.check()


def field(scope, label: str):
    """The form field labelled exactly `label` (a required field's label ends with a red *)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def choose(select, text: str):
    """Pick the option of a <select> whose label contains `text` (labels carry details: capacity, phone...)."""
    option = select.locator("option").filter(has_text=text).first
    select.select_option(value=option.get_attribute("value"))


def plan_badge(page):
    return page.locator(".page-header .badge").first


def decide(person, comment: str):
    """Type the comment in the plan's review panel and approve; the page reloads with the outcome."""
    page = person.page
    panel = page.locator("#decide")
    expect(panel.get_by_text("待您审核确认")).to_be_visible()
    panel.get_by_label("审批意见").fill(comment)
    approve = panel.get_by_role("button", name="同意", exact=True)
    approve.scroll_into_view_if_needed()
    approve.click()
    expect(page.locator("#decide")).to_have_count(0)
    expect(page.get_by_role("alert").filter(has_text="已同意")).to_be_visible()


def open_plan_task(person, shot: str, phone: bool = False):
    """From the navbar's 待办 to the plan's review task (a row on a desktop, a card on a phone)."""
    page = person.page
    nav_tasks = page.locator("#mainnav").get_by_role("link", name=re.compile("^待办"))
    if phone:
        menu = page.get_by_role("button", name="菜单")
        expect(menu).to_be_visible()
        expect(nav_tasks).to_be_hidden()
        menu.click()
    expect(nav_tasks).to_contain_text("1")
    nav_tasks.click()
    expect(page.get_by_role("heading", name=re.compile("我的待办"))).to_be_visible()
    if phone:
        person.no_horizontal_scroll()
        person.shot(shot)
        page.get_by_role("link").filter(has_text="接待方案").filter(visible=True).click()
    else:
        row = page.get_by_role("row").filter(has_text="接待方案")
        expect(row).to_contain_text("接待部门负责人审核" if person.username == "sales_head" else "分管领导审核")
        person.shot(shot)
        row.get_by_role("link", name="处理").click()
    expect(page.locator("#decide")).to_be_visible()
    person.check()


# ----------------------------------------------------------------------------------------------------------------


def test_story_plan_built_reviewed_carried_out_and_shared(open_as, people, live_server):
    from jiedai.planning.demo import ensure_master_data
    from jiedai.planning.models import Booking, Plan, Venue
    from jiedai.planning.services.bookings import booking_create
    from jiedai.planning.services.plan import plan_ensure
    from jiedai.planning.tests.factories import approved_reception
    from jiedai.receptions.demo import local_at

    ensure_master_data()
    visit = {"visit_start": local_at(DAY, 9), "visit_end": local_at(DAY + 2, 17)}
    reception = approved_reception(people, important=True, purpose=PURPOSE, **visit)
    # Another visit the same days already holds 一号会议室 on the first morning.
    rival = approved_reception(people, purpose=RIVAL_PURPOSE, **visit)
    plan_ensure(rival, by=people["sales_rep"])
    room = Venue.objects.get(name="一号会议室")
    slot = {"start": local_at(DAY, 10), "end": local_at(DAY, 11, 30)}
    booking_create(reception_id=rival.pk, by=people["sales_rep"], data={"kind": "venue", "venue": room, **slot})

    # ---- 1. the requester builds the plan on a desktop ----------------------------------------------------
    rep = open_as("sales_rep")
    page = rep.page
    rep.login()
    card(page, "我发起的").get_by_role("link").filter(has_text=reception.number).click()
    expect(page.get_by_role("heading", name=PURPOSE)).to_be_visible()
    page.get_by_role("link", name="接待方案", exact=True).click()
    expect(plan_badge(page)).to_have_text("编制中")
    missing = page.get_by_role("status").filter(has_text="提交审核前还需要")
    expect(missing).to_contain_text("行程安排至少需要一项")
    expect(page.get_by_role("button", name="提交审核")).to_be_disabled()
    rep.shot("01-requester-plan-draft")

    # 行程与人员: two items, one with an internal note the client must never see
    open_tab(rep, "行程与人员")
    itinerary = card(page, "接待日程")
    expect(itinerary).to_contain_text("这一天还没有安排")
    items = [
        ("会议洽谈", TALKS, at(DAY, 10), at(DAY, 11, 30), "一号会议室", "双方回顾合作进展", INTERNAL_NOTE),
        ("参观考察", TOUR, at(DAY, 14), at(DAY, 15, 30), "总装车间", "请穿平底鞋", ""),
    ]
    for kind, title, start, end, place, description, notes in items:
        itinerary.get_by_role("link", name="新增行程").click()
        form = page.locator("#item-form")
        expect(form).to_be_visible()
        field(form, "类型").select_option(label=kind)
        field(form, "事项").fill(title)
        field(form, "开始时间").fill(start)
        field(form, "结束时间").fill(end)
        field(form, "地点").fill(place)
        if kind == "参观考察":
            choose(field(form, "参观区域"), "总装车间")
        field(form, "说明（客户可见）").fill(description)
        field(form, "内部备注").fill(notes)
        if title == TALKS:
            rep.shot("02-requester-item-form")
        form.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_role("alert").filter(has_text="已添加行程")).to_contain_text(title)
        expect(itinerary.locator("li[id^=item-]").filter(has_text=title)).to_be_visible()
        rep.check()
    expect(itinerary.locator("li[id^=item-]")).to_have_count(2)
    expect(itinerary).to_contain_text(INTERNAL_NOTE)  # shown to the staff, marked 内部备注

    staff = card(page, "人员安排")
    staff.get_by_role("link", name="添加人员").click()
    form = page.locator("#staff-form")
    expect(form).to_be_visible()
    field(form, "人员").select_option(label="王小明")
    field(form, "角色").select_option(label="接待负责人")
    field(form, "职责").fill("全程负责、客户联络")
    field(form, "作为客户联系人").check()
    form.get_by_role("button", name="保存", exact=True).click()
    lead = staff.get_by_role("row").filter(has_text="王小明")
    expect(lead).to_contain_text("接待负责人")
    expect(lead).to_contain_text("全程")
    rep.shot("03-requester-itinerary")

    # 场地·车辆·食宿: 一号会议室 is taken; the clash names the other visit and offers the free rooms
    open_tab(rep, "场地·车辆·食宿")
    card(page, "场地预订与布置").get_by_role("link", name="预订场地").click()
    form = page.locator("#logistics-form")
    expect(form).to_be_visible()
    choose(field(form, "场地"), "一号会议室")
    field(form, "开始时间").fill(at(DAY, 10))
    field(form, "结束时间").fill(at(DAY, 11, 30))
    choose(field(form, "关联行程事项"), TALKS)
    field(form, "备注").fill("会标：热烈欢迎华东精密机械有限公司一行")
    page.get_by_role("button", name="保存", exact=True).click()
    clash = page.locator("#clash")
    expect(clash).to_be_visible()
    expect(clash).to_contain_text("一号会议室")
    expect(clash).to_contain_text(rival.number)
    alternative = clash.locator("[data-alternative]").filter(has_text="二号会议室")
    expect(alternative).to_be_visible()
    rep.shot("04-requester-room-clash")
    alternative.click()
    expect(page.get_by_role("alert").filter(has_text="已保存")).to_contain_text("二号会议室")
    venues = card(page, "场地预订与布置")
    booked = venues.locator("li[id^=booking-]").filter(has_text="二号会议室")
    expect(booked).to_contain_text("待落实")
    expect(booked).to_contain_text(TALKS)
    expect(booked.locator("[data-setup-progress]")).to_have_text("0/6")
    expect(venues).not_to_contain_text("一号会议室")
    rep.check()

    card(page, "车辆与司机").get_by_role("link", name="预订车辆").click()
    form = page.locator("#logistics-form")
    expect(form).to_be_visible()
    choose(field(form, "车辆"), "别克 GL8")
    choose(field(form, "司机"), "王建国")
    field(form, "开始时间").fill(at(DAY, 9))
    field(form, "结束时间").fill(at(DAY, 10))
    field(form, "备注").fill("酒店接客户到公司")
    page.get_by_role("button", name="保存", exact=True).click()
    car = card(page, "车辆与司机").locator("li[id^=booking-]").filter(has_text="别克 GL8")
    expect(car).to_contain_text("王建国")
    expect(car).to_contain_text("待落实")
    rep.shot("05-requester-logistics")

    # the talks moved rooms: the itinerary (what the client will read) followed the booking; the requester adds
    # the floor for the client
    open_tab(rep, "行程与人员")
    talks = page.locator("li[id^=item-]").filter(has_text=TALKS)
    talks.get_by_role("link", name="修改").click()
    form = page.locator("#item-form")
    expect(field(form, "地点")).to_have_value("二号会议室")
    field(form, "地点").fill("二号会议室（行政楼 3 楼）")
    form.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="已保存行程")).to_contain_text(TALKS)
    expect(talks).to_contain_text("二号会议室（行政楼 3 楼）")
    rep.check()

    # 应急预案: one template attached (policy 3.3.1)
    open_tab(rep, "应急预案")
    attach = card(page, "添加应急预案")
    choose(field(attach, "应急预案模板"), "恶劣天气应急预案")
    attach.get_by_role("button", name="添加", exact=True).click()
    # the copy opens for adapting to this visit, the lead and his phone already among the contacts
    expect(page.get_by_role("alert").filter(has_text="已添加“恶劣天气应急预案”")).to_be_visible()
    expect(page.get_by_role("heading", name="恶劣天气应急预案")).to_be_visible()
    expect(field(page, "联系人及电话")).to_have_value(re.compile("王小明"))
    rep.shot("06-requester-emergency-copy")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("section[id^=emergency-]").filter(has_text="恶劣天气应急预案")).to_be_visible()
    rep.shot("07-requester-emergency")

    # 概览: nothing missing any more; submit (a confirmation dialog first)
    open_tab(rep, "概览")
    expect(page.get_by_role("status").filter(has_text="提交审核前还需要")).to_have_count(0)
    counts = card(page, "方案进度")
    expect(counts.locator(".stat-tile").filter(has_text="行程事项")).to_contain_text("2")
    expect(counts.locator(".stat-tile").filter(has_text="场地车辆预订")).to_contain_text("2")
    rep.accept_dialogs = 1
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="方案已提交审核")).to_be_visible()
    assert rep.dialogs and rep.dialogs[-1][0] == "confirm" and "确认提交" in rep.dialogs[-1][1], rep.dialogs
    expect(plan_badge(page)).to_have_text("审核中")
    timeline = card(page, "审核确认")
    expect(timeline.locator("[aria-current=step]")).to_contain_text("接待部门负责人审核")
    expect(timeline.locator("[aria-current=step]")).to_contain_text("李红")
    rep.shot("08-requester-submitted")
    overview_url = page.url.split("?")[0].split("#")[0]

    # ---- 2. the host head (desktop), the coordinating head (phone), the supervising leader ---------------
    head = open_as("sales_head")
    head.login()
    open_plan_task(head, "09-head-tasks")
    head.shot("10-head-review")
    decide(head, "方案可行，同意。请行政部提前确认会场。")
    expect(card(head.page, "审核确认").locator("[aria-current=step]")).to_contain_text("协同部门负责人确认")
    head.check()

    tech = open_as("tech_head", phone=True)
    tech.login()
    open_plan_task(tech, "11-tech-phone-tasks", phone=True)
    tech.no_horizontal_scroll()
    tech.shot("12-tech-phone-review-opened", full_page=False)
    tech.shot("12-tech-phone-review")
    decide(tech, "技术部安排工程师讲解总装线，同意。")
    tech.no_horizontal_scroll()
    expect(plan_badge(tech.page)).to_have_text("审核中")
    tech.shot("13-tech-phone-approved")

    vp = open_as("vp_sales")
    vp.login()
    open_plan_task(vp, "14-vp-tasks")
    expect(vp.page.locator("#decide")).to_contain_text("分管领导审核")
    decide(vp, "同意，按重要接待标准执行。")
    expect(plan_badge(vp.page)).to_have_text("已确认")
    expect(card(vp.page, "方案进度")).to_contain_text("审核确认")
    vp.shot("15-vp-confirmed")
    assert Plan.objects.get(reception=reception).status == "confirmed"

    # ---- 3. administration ticks a line of the room's setup checklist ------------------------------------
    clerk = open_as("admin_clerk")
    clerk.login()
    clerk.page.locator("#mainnav").get_by_role("link", name="后勤任务", exact=True).click()
    expect(clerk.page.get_by_role("heading", name="后勤任务")).to_be_visible()
    row = clerk.page.locator("[id^=queue-venue-]").filter(has_text="二号会议室")
    expect(row).to_contain_text(reception.number)
    expect(clerk.page.locator("[id^=queue-venue-]").filter(has_text="一号会议室")).to_contain_text(rival.number)
    checklist = row.locator("[data-setup-checklist]")
    expect(checklist.locator("[data-setup-progress]")).to_have_text("0/6")
    checklist.locator("summary").click()
    line = checklist.get_by_role("button", name="桌椅摆放")
    expect(line).to_have_attribute("aria-pressed", "false")
    clerk.shot("16-admin-queue")
    line.click()
    checklist = row.locator("[data-setup-checklist]")  # swapped in place by htmx
    expect(checklist.locator("[data-setup-progress]")).to_have_text("1/6")
    expect(checklist.get_by_role("button", name="桌椅摆放")).to_have_attribute("aria-pressed", "true")
    clerk.shot("17-admin-setup-ticked")
    room_booking = Booking.objects.get(plan__reception=reception, venue__name="二号会议室")
    assert room_booking.setup_tasks.filter(done_at__isnull=False).count() == 1

    # ---- 4. the requester shares the itinerary; the client opens it on a phone, without logging in -------
    rep.goto(overview_url)
    expect(plan_badge(page)).to_have_text("已确认")
    open_tab(rep, "资料")
    share = page.locator("#share")
    share.get_by_role("button", name="生成链接").click()
    expect(page.get_by_role("alert").filter(has_text="已生成客户行程链接")).to_be_visible()
    address = page.locator("#share input[data-copy-source]")
    expect(address).to_have_value(re.compile(r"/itinerary/[^/]+/$"))
    link = address.input_value()
    rep.shot("18-requester-share-link")
    rep.check()

    client = open_as("client", phone=True)
    response = client.goto(link)
    assert response.status == 200
    cpage = client.page
    expect(cpage.get_by_role("heading", name="来访行程")).to_be_visible()
    expect(cpage.locator("body")).to_contain_text("华东精密机械有限公司")
    expect(cpage.locator(".public-item").filter(has_text=TALKS)).to_contain_text("10:00–11:30")
    expect(cpage.locator(".public-item").filter(has_text=TALKS)).to_contain_text("双方回顾合作进展")
    expect(cpage.locator(".public-item").filter(has_text=TALKS)).to_contain_text("二号会议室（行政楼 3 楼）")
    expect(cpage.locator(".public-item").filter(has_text=TOUR)).to_be_visible()
    contacts = card(cpage, "我方联系人")
    expect(contacts).to_contain_text("王小明")
    body = cpage.locator("body")
    for secret in (INTERNAL_NOTE, "内部备注", RIVAL_PURPOSE, rival.number, "一号会议室", "会标", "王建国", "登录"):
        expect(body).not_to_contain_text(secret)
    client.no_horizontal_scroll()
    client.shot("19-client-phone-itinerary")

    for person in (rep, head, tech, vp, clerk, client):
        person.check()
