"""Housekeeping on the beat schedule."""

from celery import shared_task
from django.db import connection

from jiedai.celery import app

DAY = 24 * 60 * 60


@shared_task
def database_optimize() -> str:
    """Keep SQLite's query planner statistics fresh (`PRAGMA optimize` analyses only the tables that need it).
    Without statistics SQLite may drive a list's visibility check from the wrong index. PostgreSQL's autovacuum
    does this by itself."""
    if connection.vendor != "sqlite":
        return "skipped"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize=0x10002")
    return "optimized"


app.add_periodic_task(DAY, database_optimize.s(), name="core.database_optimize", expires=DAY - 60)
