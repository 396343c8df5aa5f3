"""The documents' command line: receipt, receipts and the statement as XLSX or PDF, with the
existing commands' conventions (Russian errors, exit 1, nothing changed, files whole)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from desktop.cli_common import ProgressBar
from tests.desktop.test_cli import audit_count, run


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the files made (the SQLite database lives in tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def demo_url(database_url: str) -> str:
    from desktop.cli import main

    assert main(["demo", "--database-url", database_url]) == 0
    return database_url


def test_receipt_writes_the_seed_accounts_may_receipt(demo_url, capsys, folder: Path):
    capsys.readouterr()
    target = folder / "3492-2017-05.pdf"
    before = audit_count(demo_url)
    code, out, err = run(capsys, "receipt", "--account", "3492", "--period", "2017-05",
                         "--output", str(target), "--database-url", demo_url)  # fmt: skip
    assert (code, out, err) == (0, "", "")
    (page,) = PdfReader(target).pages
    text = page.extract_text()
    assert "Иванов И.И." in text and "5 955,86 ₽" in text and "за май 2017 г." in text
    assert audit_count(demo_url) == before + 1
    assert sorted(p.name for p in folder.iterdir()) == ["3492-2017-05.pdf"]


def test_receipts_streams_a_building_and_reports_on_stderr(demo_url, capsys, folder: Path):
    capsys.readouterr()
    target = folder / "may.pdf"
    code, out, err = run(capsys, "receipts", "--period", "2017-05", "--building", "1",
                         "--output", str(target), "--database-url", demo_url)  # fmt: skip
    # The demo was built with today's clock: of building 1 only the seed's account has May 2017.
    assert code == 0 and out == ""
    assert err == (
        f"Готово: 1 квитанция за май 2017 г. в файле {target}. "
        "Пропущено без начислений за этот месяц: 2 лицевых счета.\n"
    )
    assert len(PdfReader(target).pages) == 1
    code, _, err = run(capsys, "receipts", "--period", "2017-05", "--output", str(target),
                       "--database-url", demo_url)  # fmt: skip
    assert code == 0 and "Готово: 1 квитанция" in err and "5 лицевых счетов" in err


def test_statement_exports_xlsx_and_pdf(demo_url, capsys, folder: Path):
    capsys.readouterr()
    xlsx, pdf = folder / "s.xlsx", folder / "s.pdf"
    for target, fmt in ((xlsx, "xlsx"), (pdf, "pdf")):
        code, out, err = run(capsys, "statement", "--account", "3492", "--format", fmt,
                             "--output", str(target), "--database-url", demo_url)  # fmt: skip
        assert (code, out, err) == (0, "", "")
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet["A1"].value == "Ведомость по лицевому счету 3492"
    assert 5955.86 in [cell.value for row in sheet.iter_rows() for cell in row]
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "5 955,86" in text and "-11,86" in text


BAD_INPUT = [
    (["statement", "--account", "3492", "--format", "xlsx"], "укажите файл: --output"),
    (["statement", "--account", "3492", "--format", "pdf"], "ведомость.pdf"),
    (["statement", "--account", "999999", "--format", "pdf", "--output", "{dir}/s.pdf"],
     "Лицевой счет 999999 не найден"),
    (["receipt", "--account", "3492", "--period", "2017-13", "--output", "{dir}/r.pdf"],
     "ГГГГ-ММ"),
    (["receipt", "--account", "3492", "--period", "2010-01", "--output", "{dir}/r.pdf"],
     "начислений нет"),
    (["receipt", "--account", "777", "--period", "2017-05", "--output", "{dir}/r.pdf"],
     "не найден"),
    (["receipt", "--account", "3492", "--period", "2017-05"],
     "не указаны обязательные параметры: --output"),
    (["receipt", "--account", "3492", "--period", "2017-05", "--output",
      "{dir}/no-such/r.pdf"], "не существует"),
    (["receipt", "--account", "3492", "--period", "2017-05", "--output", "{dir}"],
     "это папка"),
    (["receipts", "--period", "2017-05", "--building", "x", "--output", "{dir}/r.pdf"],
     "Код дома «x» указан неверно"),
    (["receipts", "--period", "2017-05", "--building", "99", "--output", "{dir}/r.pdf"],
     "Дом с кодом 99 не найден"),
    (["receipts", "--period", "2001-01", "--output", "{dir}/r.pdf"],
     "начислений нет ни по одному"),
]  # fmt: skip


def test_bad_input_gets_a_russian_message_and_changes_nothing(demo_url, capsys, folder: Path):
    before = audit_count(demo_url)
    for argv, message in BAD_INPUT:
        capsys.readouterr()
        argv = [arg.replace("{dir}", str(folder)) for arg in argv]
        code, out, err = run(capsys, *argv, "--database-url", demo_url)
        assert code != 0 and out == "", argv
        assert message in err and "Traceback" not in err, (argv, err)
        assert list(folder.iterdir()) == [], argv  # no file, not even a temporary one
    assert audit_count(demo_url) == before


def test_a_failed_export_leaves_an_existing_file_alone(demo_url, capsys, folder: Path):
    target = folder / "r.pdf"
    target.write_bytes(b"old")
    code, _, _ = run(capsys, "receipt", "--account", "3492", "--period", "2010-01",
                     "--output", str(target), "--database-url", demo_url)  # fmt: skip
    assert code == 1 and target.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["r.pdf"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_only_on_a_terminal():
    terminal = _Terminal()
    bar = ProgressBar(terminal, "Квитанции")
    for done in range(1, 5):
        bar(done, 4)
    bar.close()
    shown = terminal.getvalue()
    assert shown.startswith("\rКвитанции: ") and shown.endswith("4 из 4 (100 %)\n")
    assert "█" * ProgressBar.WIDTH in shown
    pipe = io.StringIO()
    bar = ProgressBar(pipe, "Квитанции")
    bar(1, 1)
    bar.close()
    assert pipe.getvalue() == ""


def test_the_command_line_starts_without_the_document_libraries():
    heavy = ("reportlab", "openpyxl", "segno", "pypdfium2", "PIL")
    script = (
        "import sys; from desktop.cli import build_parser; build_parser().parse_args(['receipts',"
        " '--period', '2017-05', '--output', 'x.pdf']); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


def test_python_m_desktop_receipt_runs_as_a_program(demo_url, folder: Path):
    target = folder / "r.pdf"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "receipts", "--period", "2017-05", "--output",
         str(target), "--database-url", demo_url],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Готово: 1 квитанция")  # not a terminal: one final line
    assert "\r" not in done.stderr
    assert "5 955,86" in PdfReader(target).pages[0].extract_text()
