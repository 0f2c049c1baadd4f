"""Settings for the test suite: the production settings file with JIEDAI_ENV=test defaults."""

import os

os.environ.setdefault("JIEDAI_ENV", "test")

from jiedai.settings import *  # noqa: E402,F403
