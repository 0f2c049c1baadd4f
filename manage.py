#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedai.settings")
    # Commands run from a checkout default to development settings; production sets JIEDAI_ENV=production.
    os.environ.setdefault("JIEDAI_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
