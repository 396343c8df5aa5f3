"""The layers: db/ ← desktop/ ← ui/; no Qt in the core, no SQL in the screens.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    command = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(cwd)}, check=False
    )


def test_the_project_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_the_contracts_catch_a_violation(tmp_path: Path):
    """The same contracts, on a tiny tree that breaks each of them, report each breach."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[tool.importlinter]", 'root_packages = ["db", "desktop", "ui"]',
             "include_external_packages = true"]  # fmt: skip
    for contract in config["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            rendered = (
                str(value).replace("'", '"') if not isinstance(value, bool) else str(value).lower()
            )
            lines.append(
                f"{key} = {rendered}" if not isinstance(value, str) else f'{key} = "{value}"'
            )
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    files = {
        "db/__init__.py": "import desktop\n",
        "desktop/__init__.py": "import PySide6.QtWidgets\n",
        "ui/__init__.py": "import sqlalchemy.orm\n",
        "desktop/common/__init__.py": "",
        "desktop/common/errors.py": "import desktop.months\n",
        "desktop/common/problems.py": "import desktop.common.errors\n",
        "desktop/months.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "0 kept, 4 broken" in result.stdout, result.stdout + result.stderr
    assert "desktop -> PySide6" in result.stdout and "ui -> sqlalchemy" in result.stdout
    assert "desktop.common.errors -> desktop.months" in result.stdout
