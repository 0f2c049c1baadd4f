"""Finance's anomaly scan (policy 5.3.2: 定期对公司接待费用进行统计和分析，及时发现费用支出中存在的问题): every
morning over all visits, and for one visit after one of its claims is approved. The work is in
services/anomalies.py; both are idempotent, so a missed or repeated run does no harm. And the analytics' Excel
exports built in the background (services/exports.py), pruned every night."""

from celery import shared_task
from celery.schedules import crontab

from jiedai.celery import app
from jiedai.expenses.services.anomalies import anomalies_scan, anomalies_scan_claim
from jiedai.expenses.services.exports import analytics_export_build, analytics_exports_prune

# 07:30 in CELERY_TIMEZONE (Asia/Shanghai): finance finds yesterday's anomalies when the working day starts.
DAILY_AT = crontab(hour=7, minute=30)
EXPIRES = 12 * 60 * 60  # a worker back after a long outage runs today's scan once, not a pile of old ones


@shared_task(ignore_result=True)
def anomalies_daily() -> dict[str, int]:
    return anomalies_scan()


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def anomalies_after_approval(claim_id: int) -> dict[str, int]:
    return anomalies_scan_claim(claim_id=claim_id)


app.add_periodic_task(DAILY_AT, anomalies_daily.s(), name="expenses.anomalies_daily", expires=EXPIRES)


@shared_task(ignore_result=True)
def build_analytics_export(export_id: int) -> str:
    return analytics_export_build(export_id)


@shared_task(ignore_result=True)
def prune_analytics_exports() -> dict[str, int]:
    return analytics_exports_prune()


app.add_periodic_task(
    crontab(hour=3, minute=15), prune_analytics_exports.s(), name="expenses.prune_analytics_exports", expires=EXPIRES
)
