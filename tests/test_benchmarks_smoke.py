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


def test_the_account_pages_benchmark_prints_each_pages_data_beside_its_floor() -> None:
    out = run("account_pages.py", "--accounts", "12", "--runs", "2")
    lines = [line for line in out.splitlines() if "floor" in line]
    assert [" ".join(line.split()[:3]) for line in lines] == [
        f"{backend} {page} data"
        for backend in ("SQLite", "PostgreSQL")
        for page in ("statement", "debt", "readings", "receipts")
    ]


def test_the_page_painting_benchmark_prints_each_page_beside_its_floor() -> None:
    out = run("page_paint.py", "--accounts", "12", "--runs", "1")
    lines = [line for line in out.splitlines() if "floor" in line]
    assert [" ".join(line.split()[:2]) for line in lines] == [
        f"{backend} {page}"
        for backend in ("SQLite", "PostgreSQL")
        for page in ("statement", "debt", "meters", "receipts")
    ]
    assert all("page painted" in line and "ms" in line and "×" in line for line in lines)


def test_the_readings_save_benchmark_prints_both_databases_beside_the_bare_driver() -> None:
    out = run("readings_save.py", "--accounts", "12", "--runs", "2")
    lines = [line for line in out.splitlines() if "readings saved" in line]
    assert [line.split()[0] for line in lines] == ["SQLite", "PostgreSQL"]
    assert all("floor" in line and "×" in line for line in lines)


def test_the_statement_export_benchmark_prints_the_export_beside_bare_openpyxl() -> None:
    out = run("statement_export.py", "--accounts", "12", "--runs", "1", "--no-postgres")
    assert [line.split("  ")[0] for line in out.splitlines()] == [
        "SQLite", "SQLite", "SQLite",
    ]  # fmt: skip
    assert [line[11:33].strip() for line in out.splitlines()] == [
        "export XLSX, all of it",
        "XLSX from the data",
        "export PDF, all of it",
    ]
    assert out.count(")   floor ") == 2


def test_the_office_memory_benchmark_prints_peak_and_after_beside_a_bare_qt_process() -> None:
    out = run("office_memory.py", "--accounts", "12", "--open", "2", "--no-postgres")
    assert out.startswith("SQLite     office memory, 2 accounts served: peak ")
    assert "after closing them" in out and "floor" in out


def test_the_startup_benchmark_prints_the_painted_and_the_usable_login() -> None:
    out = run("startup.py", "--runs", "1")
    assert [line.split(":")[0] for line in out.splitlines()[1:]] == [
        "login window painted", "login usable (services open)", "bare Qt window painted",
    ]  # fmt: skip


def test_the_receipts_benchmark_prints_one_receipt_a_batch_and_the_memory() -> None:
    out = run("receipts.py", "--batch", "8", "--repeat", "1")
    assert "floor: bare reportlab page" in out
    assert "batch of 8 receipts into one PDF" in out and "memory: resident" in out


def test_the_kiosk_readings_benchmark_prints_a_save_without_and_with_the_rules() -> None:
    out = run("kiosk_readings.py", "--accounts", "30", "--runs", "2")
    lines = [line for line in out.splitlines() if "triggers:" in line]
    assert [line.split()[0] for line in lines] == ["without", "with"]


def test_the_search_benchmark_prints_each_query_beside_its_floor() -> None:
    out = run("search.py", "--accounts", "30", "--months", "2", "--repeat", "1")
    lines = [line for line in out.splitlines() if "«" in line and "×" in line]
    backends = [line.split()[0] for line in lines]
    assert backends.count("SQLite") == backends.count("PostgreSQL") >= 9, out
    assert out.count("  floor  ×floor") == 2 and "«иванов и»" in out


def test_the_import_benchmark_prints_each_kind_s_rate_beside_its_floor() -> None:
    out = run("import_exchange.py", "--accounts", "20")
    lines = [line for line in out.splitlines() if "rows/s" in line]
    assert [" ".join(line.split()[:2]) for line in lines] == [
        f"{backend} {kind}"
        for backend in ("SQLite", "PostgreSQL")
        for kind in ("accounts", "meters", "statement", "receipts")
    ]
    assert all("floor" in line and "×" in line for line in lines)
    assert "peak memory" in out
