"""Jiedai's settings for the benchmark: the production settings plus the bare comparison view's URLconf, a
separate static root and a separate Celery broker folder (nothing of the app's var/ is touched)."""

import os

from jiedai.settings import *  # noqa: F403
from jiedai.settings import BASE_DIR

BENCH_DIR = BASE_DIR / "var" / "bench"

ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "bench.wsgi.application"

# CompressedManifestStaticFilesStorage needs a manifest: `python -m bench` runs collectstatic into this folder.
STATIC_ROOT = BENCH_DIR / "static"

# The filesystem broker (the app's default on one machine) writes one file per queued task; keep them in the
# bench folder. A CELERY_BROKER_URL from the environment (e.g. redis://) still wins, as in jiedai.settings.
_broker = BENCH_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "out"),
        "data_folder_out": str(_broker / "out"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }
    if os.environ.get("BENCH_MAKE_DIRS", "1") == "1":
        (_broker / "out").mkdir(parents=True, exist_ok=True)
        (_broker / "processed").mkdir(parents=True, exist_ok=True)
