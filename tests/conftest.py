"""Test-wide setup: Django points at a throw-away data directory before anything imports it."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")
os.environ.setdefault("FIRSTHAND_DATA", tempfile.mkdtemp(prefix="firsthand-test-"))
os.environ.setdefault("FIRSTHAND_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()
