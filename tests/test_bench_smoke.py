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
        # Each arrived, or was recorded as too late to post (a loaded machine): none lost.
        assert r["received"] + r["withheld_late"] == r["expected_notices"] > 0
        assert (r["missing"], r["repeated"], r["unexpected"]) == (0, 0, 0)
    for r in report["results"]["scale"]:
        assert r["shifts"] > 0 and r["on_duty_lookup"]["n"] > 0
        assert r["peak_rss_serving_mib"] > 0


@pytest.mark.timeout(120)
def test_care_day_smoke_runs_alone_and_counts_what_the_group_saw(tmp_path: Path) -> None:
    """`python -m bench care-day --smoke`: an hour of the busy care day, in seconds. The figures
    are not judged; what is checked is that they are real: every person got a conversation,
    the posts the platforms received are counted, the hand-offs come from the database."""
    args = [sys.executable, "-m", "bench", "care-day", "--smoke", "--backends", "sqlite",
            "--out-dir", str(tmp_path)]  # fmt: skip
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Care day:" in done.stdout and "group posts per hour" in done.stdout
    [path] = tmp_path.glob("bench-smoke-*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert list(report["results"]) == ["care-day"]
    [r] = report["results"]["care-day"]
    assert r["driver"]["refused"] == 0 and r["driver"]["sent"]["staff"] > 0
    assert r["conversations"] == r["people"] > 0 and r["assigned"] > 0
    group = r["group_posts"]
    assert group["total"] > 0 and group["max"] == max(
        n for hour in group["per_hour"].values() for n in hour.values()
    )
    assert set(r["rows_sent_by_group_and_kind"]) == {"g0", "g1"}
    assert r["private_posts"]["per_hour"].get("21", {}).get("g0", 0) == 0  # a robot: none
