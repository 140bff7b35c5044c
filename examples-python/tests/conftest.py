"""Shared paths for the tests: every test runs plugins as real subprocesses."""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
FIXTURE = str(HERE / "fixtures" / "host_fixture_plugin.py")
FAULTY = str(HERE / "fixtures" / "faulty_plugin.py")
WORDFILTER = str(ROOT / "plugins" / "wordfilter" / "plugin.py")
MEMBERSHIP = str(ROOT / "plugins" / "membership" / "plugin.py")
