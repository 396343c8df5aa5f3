"""The benchmarks run and print their figures (a tiny size; never a timed assertion): a
benchmark that no longer runs is found by CI, not on the day someone needs its numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        cwd=BENCHMARKS,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_large_demo_benchmark_prints_its_rate_beside_its_floor() -> None:
    out = run("demo_build.py", "--accounts", "30", "--months", "14")
    lines = [line for line in out.splitlines() if "rows/s" in line]
    assert [line.split()[0] for line in lines] == ["SQLite", "PostgreSQL"]
    assert all("floor" in line and "×" in line for line in lines)
    assert "peak memory" in out


def test_the_account_pages_benchmark_prints_each_page_beside_its_floor() -> None:
    out = run("account_pages.py", "--accounts", "12", "--runs", "2")
    lines = [line for line in out.splitlines() if "floor" in line]
    assert [" ".join(line.split()[:3]) for line in lines] == [
        "SQLite statement data", "SQLite debt data",
        "PostgreSQL statement data", "PostgreSQL debt data",
    ]  # fmt: skip


def test_the_search_benchmark_prints_each_query_beside_its_floor() -> None:
    out = run("search.py", "--accounts", "30", "--months", "2", "--repeat", "1")
    lines = [line for line in out.splitlines() if "«" in line and "×" in line]
    backends = [line.split()[0] for line in lines]
    assert backends.count("SQLite") == backends.count("PostgreSQL") >= 9, out
    assert out.count("  floor  ×floor") == 2 and "«иванов и»" in out
