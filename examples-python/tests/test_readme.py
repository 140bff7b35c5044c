"""The README's quick-start plugin works as shown."""

from __future__ import annotations

import pathlib
import re
import subprocess

from conftest import PYTHON, ROOT

from polyplug.goplugin import NOT_A_HOST_MESSAGE
from polyplug.structs import from_struct
from polyplug.testing import PluginHarness


def _quickstart_source() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- quickstart-plugin[^>]*-->\s*```python\n(.*?)```", readme, re.S)
    assert match, "README lost its quickstart-plugin block"
    return match.group(1)


def test_quickstart_plugin_runs(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "plugin.py"
    script.write_text(_quickstart_source())
    by_hand = subprocess.run([PYTHON, str(script)], env={}, capture_output=True, timeout=30)
    assert by_hand.returncode == 1
    assert by_hand.stderr.decode() == NOT_A_HOST_MESSAGE
    with PluginHarness([PYTHON, str(script)]) as h:
        modified = h.intercept("message.will_be_posted", {"message": "HELLO"})
        assert from_struct(modified.modify.payload, "p") == {"message": "Hello"}
        rejected = h.intercept("message.will_be_posted", {"message": "hi!!!"})
        assert rejected.reject.code == "shouting"
        assert h.command("shout", "hi", "there").text == "HI THERE"
        assert h.api.log_messages() == ["shouting"]
        assert h.close() == 0
