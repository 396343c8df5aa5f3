"""The licences of everything the frozen build bundles, for the ``licenses`` folder beside it.

build.spec calls :func:`write_licenses` with the top-level module names PyInstaller collected:
each installed distribution they come from contributes the licence files of its metadata
(``*.dist-info/licenses/…``, ``LICENSE``, ``COPYING``, ``NOTICE``, ``AUTHORS``), and README.txt
lists every component with its version and licence. Qt for Python ships no licence file in
its wheels, so the LGPL/GPL texts and a notice (where the sources are, how to replace the
libraries) come from packaging/licenses.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
OWN_TEXTS = HERE / "licenses"
LICENCE_NAMES = ("LICEN", "COPYING", "NOTICE", "AUTHORS")
QT_DISTRIBUTIONS = {"pyside6-essentials", "pyside6", "shiboken6", "pyside6-addons"}
APP_DISTRIBUTION = "zhk-cabinet"


def distributions_of(top_level_modules: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these top-level modules, by name."""
    owners = metadata.packages_distributions()
    names = {dist for module in top_level_modules for dist in owners.get(module, ())}
    found: dict[str, metadata.Distribution] = {}
    for name in names:
        dist = metadata.distribution(name)
        key = _key(dist)
        if key != APP_DISTRIBUTION:
            found[key] = dist
    return [found[k] for k in sorted(found)]


def _key(dist: metadata.Distribution) -> str:
    return dist.metadata["Name"].lower().replace("_", "-")


def licence_files(dist: metadata.Distribution) -> list[tuple[PurePosixPath, Path]]:
    """(path inside the distribution's folder of licences, file) for each licence file."""
    out = []
    for entry in dist.files or ():
        parts = PurePosixPath(str(entry)).parts
        if len(parts) < 2 or not parts[0].endswith(".dist-info"):
            continue
        inside = PurePosixPath(*parts[1:])
        if parts[1] == "licenses" and len(parts) > 2:
            inside = PurePosixPath(*parts[2:])
        elif len(parts) != 2 or not parts[1].upper().startswith(LICENCE_NAMES):
            continue
        source = Path(str(dist.locate_file(entry)))
        if source.is_file():
            out.append((inside, source))
    return out


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [
        c.removeprefix("License :: ").removeprefix("OSI Approved :: ")
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if classifiers:
        return "; ".join(classifiers)
    text = (meta.get("License") or "").strip().splitlines()
    return text[0][:80] if text else "см. файлы лицензии"


def python_licence() -> Path | None:
    """Python's own LICENSE.txt: beside python.exe on Windows, in the stdlib elsewhere."""
    for candidate in (
        Path(sys.base_prefix) / "LICENSE.txt",
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
    ):
        if candidate.is_file():
            return candidate
    return None


def write_licenses(
    dest: Path,
    top_level_modules: Iterable[str],
    *,
    font_licence: Path,
    app_licence: Path | None,
) -> list[str]:
    """Fill ``dest`` with the licences; returns the components for which none was found."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    missing: list[str] = []
    index = [
        "Лицензии компонентов, входящих в программу «Личный кабинет жителя»",
        "",
        f"{'Компонент':<28} {'Версия':<12} Лицензия → файлы",
    ]

    def row(name: str, version: str, licence: str, files: str) -> None:
        index.append(f"{name:<28} {version:<12} {licence} → {files}")

    if app_licence is not None and app_licence.is_file():
        shutil.copyfile(app_licence, dest / "LICENSE-zhk-cabinet.txt")
        row("Личный кабинет жителя", "", "", "LICENSE-zhk-cabinet.txt")
    shutil.copyfile(font_licence, dest / "PT-Sans-LICENSE.txt")
    row("PT Sans (ParaType)", "", "ParaType Free Font License", "PT-Sans-LICENSE.txt")

    python = python_licence()
    if python is not None:
        shutil.copyfile(python, dest / "Python-LICENSE.txt")
    else:
        missing.append("Python")
    version = ".".join(map(str, sys.version_info[:3]))
    row("Python", version, "PSF-2.0", "Python-LICENSE.txt")

    qt_version = pyside_version = ""
    for dist in distributions_of(top_level_modules):
        name, version = dist.metadata["Name"], dist.version
        files = licence_files(dist)
        if _key(dist) in QT_DISTRIBUTIONS:
            pyside_version = version
            qt_version = _qt_version() or version
        folder = dest / f"{name}-{version}"
        for inside, source in files:
            target = folder / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        if files:
            shown = f"{folder.name}/"
        elif _key(dist) in QT_DISTRIBUTIONS:
            shown = "Qt-NOTICE.txt, LGPL-3.0.txt, GPL-3.0.txt"
        else:
            shown = "(текст лицензии не поставляется с пакетом)"
            missing.append(name)
        row(name, version, licence_of(dist), shown)

    if pyside_version:
        for text in ("LGPL-3.0.txt", "GPL-3.0.txt"):
            shutil.copyfile(OWN_TEXTS / text, dest / text)
        notice = (OWN_TEXTS / "Qt-NOTICE.txt").read_text(encoding="utf-8")
        notice = notice.format(qt_version=qt_version, pyside_version=pyside_version)
        _write_text(dest / "Qt-NOTICE.txt", notice)
    _write_text(dest / "README.txt", "\n".join(index) + "\n")
    return missing


def _write_text(path: Path, text: str) -> None:
    """CRLF and a BOM: older Notepads read the Cyrillic as UTF-8 only with them."""
    path.write_text("\ufeff" + text, encoding="utf-8", newline="\r\n")


def _qt_version() -> str:
    """Qt's own version (PySide6 may be a patch release ahead of it)."""
    try:
        from PySide6.QtCore import qVersion
    except ImportError:
        return ""
    return qVersion()
