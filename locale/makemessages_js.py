"""Extract the JS catalogue (djangojs) with the Mini App's `t()` / `fmt()` wrappers as keywords.

DEBUG=1 .venv/bin/python locale/makemessages_js.py
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.commands import makemessages  # noqa: E402


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t", "--keyword=fmt:1"]


call_command(
    Command(),
    domain="djangojs",
    locale=["ru"],
    no_obsolete=True,
    ignore_patterns=[".venv", "staticfiles", "static/vendor", "var", "node_modules"],
)
