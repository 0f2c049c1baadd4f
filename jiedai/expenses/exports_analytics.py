"""The finance analytics as an Excel workbook (policy 5.3.2: "export to Excel"): one sheet per table the page
shows, with the same filters and numbers, money as numbers in a ¥ format, Chinese headers (the user's language).

openpyxl in write-only mode streams each row to a temporary file as it is appended, so memory stays bounded
however many visits the "各次接待" sheet lists (they are read from the database in chunks); the workbook is
zipped into a temporary file that the response then streams."""

import tempfile
from datetime import datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jiedai.expenses.selectors_analytics import Analytics, Granularity, Row, all_visits
from jiedai.receptions.models import LOCAL_TZ

MONEY_FORMAT = '"¥"#,##0.00;-"¥"#,##0.00'
PERCENT_FORMAT = '0.00"%"'
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DAYS_FORMAT = "0.0"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Sheet:
    """A write-only sheet whose cells carry their number format (money, percent, date) by column kind."""

    def __init__(self, workbook, title: str, columns: list[tuple[str, str]]):
        self.sheet = workbook.create_sheet(title=title[:31])
        self.kinds = [kind for _label, kind in columns]
        for index, (_label, kind) in enumerate(columns):
            letter = chr(ord("A") + index)
            self.sheet.column_dimensions[letter].width = 28 if kind == "text" else 16
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for label, _kind in columns:
            cell = WriteOnlyCell(self.sheet, value=str(label))
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)

    def append(self, values):
        cells = []
        for value, kind in zip(values, self.kinds, strict=True):
            cell = WriteOnlyCell(self.sheet, value=value)
            if value is not None and kind in FORMATS:
                cell.number_format = FORMATS[kind]
            cells.append(cell)
        self.sheet.append(cells)


FORMATS = {"money": MONEY_FORMAT, "percent": PERCENT_FORMAT, "datetime": DATETIME_FORMAT, "days": DAYS_FORMAT}


def _row_columns(first: str) -> list[tuple[str, str]]:
    return [
        (first, "text"),
        (_("接待次数"), "int"),
        (_("预算（元）"), "money"),
        (_("实际支出（元）"), "money"),
        (_("差异（元）"), "money"),
        (_("预算执行率"), "percent"),
        (_("来访人数"), "int"),
        (_("人天数"), "int"),
        (_("人均费用（元）"), "money"),
        (_("人天均费用（元）"), "money"),
    ]


def _row_values(row: Row) -> list:
    return [
        row.label,
        row.visits,
        row.budget,
        row.actual,
        row.variance,
        row.utilisation,
        row.visitors,
        row.visitor_days,
        row.per_visitor,
        row.per_visitor_day,
    ]


def _rows_sheet(workbook, title: str, first: str, rows: list[Row], total: Row | None = None):
    sheet = _Sheet(workbook, title, _row_columns(first))
    for row in rows:
        sheet.append(_row_values(row))
    if total is not None:
        sheet.append(_row_values(total))


def _local(moment: datetime | None):
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment else None


def _summary_sheet(workbook, analytics: Analytics, filter_labels: list[tuple[str, str]]):
    sheet = _Sheet(workbook, _("概览"), [(_("项目"), "text"), (_("数值"), "text")])
    for label, value in filter_labels:
        sheet.append([label, value])
    totals = analytics.totals
    money_rows = [
        (_("实际支出（元）"), totals.actual),
        (_("预算（元）"), totals.budget),
        (_("差异（元）"), totals.variance),
        (_("人均费用（元）"), totals.per_visitor),
        (_("人天均费用（元）"), totals.per_visitor_day),
    ]
    sheet.kinds = ["text", "money"]
    for label, value in money_rows:
        sheet.append([label, value])
    sheet.kinds = ["text", "int"]
    sheet.append([_("接待次数"), totals.visits])
    sheet.append([_("待审批报销单"), analytics.claims_waiting])


def workbook_for(analytics: Analytics, filter_labels: list[tuple[str, str]]):
    """The workbook, written to a temporary file: returns the open file, at its start."""
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, analytics, filter_labels)
    period = {Granularity.MONTH: _("月份"), Granularity.QUARTER: _("季度"), Granularity.YEAR: _("年度")}
    first = period.get(analytics.filters.granularity, _("期间"))
    _rows_sheet(workbook, _("按期间"), first, analytics.by_period, analytics.totals)
    _rows_sheet(workbook, _("按部门"), _("部门"), analytics.by_department, analytics.totals)
    categories = _Sheet(
        workbook,
        _("按费用类别"),
        [
            (_("费用类别"), "text"),
            (_("预算（元）"), "money"),
            (_("实际支出（元）"), "money"),
            (_("差异（元）"), "money"),
            (_("预算执行率"), "percent"),
        ],
    )
    for row in analytics.by_category:
        categories.append([row.label, row.budget, row.actual, row.variance, row.utilisation])
    _rows_sheet(workbook, _("按重要程度"), _("重要程度"), analytics.by_importance, analytics.totals)
    _rows_sheet(workbook, _("按客户单位"), _("客户单位"), analytics.by_client)
    visits = _Sheet(
        workbook,
        _("各次接待"),
        [
            (_("编号"), "text"),
            (_("来访目的"), "text"),
            (_("接待部门"), "text"),
            (_("重要程度"), "text"),
            (_("来访开始"), "datetime"),
            (_("来访人数"), "int"),
            (_("停留天数"), "int"),
            (_("预算（元）"), "money"),
            (_("实际支出（元）"), "money"),
            (_("差异（元）"), "money"),
        ],
    )
    for visit in all_visits(analytics.filters):
        visits.append(
            [
                visit.number,
                visit.purpose,
                visit.department,
                str(visit.importance_label),
                _local(visit.visit_start),
                visit.visitors,
                visit.days,
                visit.budget,
                visit.actual,
                visit.variance,
            ]
        )
    extra = _Sheet(
        workbook,
        _("追加预算"),
        [(_("部门"), "text"), (_("追加预算数"), "int"), (_("涉及接待"), "int"), (_("追加金额（元）"), "money")],
    )
    for row in analytics.supplementary:
        extra.append([row.department, row.count, row.visits, row.amount])
    waiting = _Sheet(
        workbook,
        _("待审批报销"),
        [
            (_("审批步骤"), "text"),
            (_("报销单数"), "int"),
            (_("最早到达"), "datetime"),
            (_("最长等待（天）"), "days"),
            (_("平均等待（天）"), "days"),
        ],
    )
    for row in analytics.waiting:
        waiting.append([row.step, row.claims, _local(row.oldest_since), row.oldest_days, row.average_days])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle
