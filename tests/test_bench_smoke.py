"""The bench still runs: `python -m bench --smoke` end to end, tiny numbers, no timing asserted.

What is checked is what the bench measures being real: every request it counted as answered is
in the database, every notice arrived once, every section reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_bench_smoke_runs_and_reports(tmp_path: Path) -> None:
    backends = "sqlite,postgres" if PG_URL else "sqlite"
    args = [
        sys.executable,
        "-m",
        "bench",
        "--smoke",
        "--out-dir",
        str(tmp_path),
        "--backends",
        backends,
    ]
    if PG_URL:
        args += ["--postgres-url", PG_URL]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=230, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Targets:" in done.stdout and "req/s" in done.stdout
    [path] = tmp_path.glob("bench-smoke-*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["machine"]["cores"] and report["machine"]["python"]
    assert not report["skipped"], report["skipped"]
    for section in ("inbound", "notices", "scale"):
        assert [r["backend"] for r in report["results"][section]] == backends.split(",")
    for r in report["results"]["inbound"]:
        cb = r["carebot"]
        assert cb["closed"]["ok"] == cb["closed"]["sent"] > 0
        assert cb["stored_messages"] == cb["answered_2xx"]
        assert r["bare"]["closed"]["ok"] == r["bare"]["closed"]["sent"] > 0
    for r in report["results"]["notices"]:
        assert r["received"] == r["expected_notices"] > 0
        assert (r["missing"], r["repeated"], r["unexpected"]) == (0, 0, 0)
    for r in report["results"]["scale"]:
        assert r["shifts"] > 0 and r["on_duty_lookup"]["n"] > 0
        assert r["peak_rss_serving_mib"] > 0
