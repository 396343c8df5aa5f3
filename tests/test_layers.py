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


def _cycles(graph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_round_a_cycle():
    """Imports inside functions count too (they only hide a cycle); type-only ones do not."""
    import grimp

    graph = grimp.build_graph("db", "desktop", "ui", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_check_sees_a_cycle(tmp_path: Path, monkeypatch):
    import grimp

    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from loop import b\n")
    (package / "b.py").write_text("import loop.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("loop")) == [["loop.a", "loop.b"]]


def test_modules_keep_to_one_idea_each():
    """No module of the application over about 500 lines (migrations aside): split by idea."""
    long = {
        str(path.relative_to(ROOT)): lines
        for package in ("db", "desktop", "ui")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 520
    }
    assert long == {}
