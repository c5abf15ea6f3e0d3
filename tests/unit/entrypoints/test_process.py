"""A long-running process's collector settings (N-SCALE: Python time in collections)."""

from __future__ import annotations

import subprocess
import sys

from lmb.entrypoints.process import GC_THRESHOLDS


def test_settling_freezes_what_exists_and_raises_the_thresholds() -> None:
    """Run in a process of its own: the settings are process-wide."""
    script = (
        "import gc; from lmb.entrypoints import process; "
        "before = gc.get_freeze_count(); process.settle(); "
        "print(before, gc.get_freeze_count() > 0, *gc.get_threshold())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "True", *map(str, GC_THRESHOLDS)]
