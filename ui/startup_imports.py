"""Importing the core after the first paint, cheaply: PySide's import hook skips the modules
that cannot use Qt (and ``ui.collector``'s collector waits while the services open).

Once PySide6 is imported it looks at every module imported afterwards: it reads the
module's whole source (``inspect.getsource``) to see whether it mentions PySide6, for its
``__feature__`` switches (``snake_case``, ``true_property``), which this program never uses.
Opening the services imports SQLAlchemy, the core and a part of the standard library after
PySide6, so the hook read ~550 files at start-up (about 55 ms of CPU, an eighth of the time
to a usable login) and kept their ~9 M characters in ``linecache`` for the process's life.

The answer is known without reading for modules that cannot use Qt: the core's layers
(``db`` and ``desktop`` never import Qt: the import contracts of ``pyproject.toml``), the
libraries they use, and the standard library. Those are marked "ignore this module", the
mark the hook itself gives a module without PySide6 in its source; every other module still
goes through PySide's own check.

Opening the services creates some 50 000 objects the collector tracks, nearly all of which
stay (SQLAlchemy, the models, the services): the cyclic garbage collector would run hundreds
of times meanwhile (a young pass every 700 new objects, and full passes over everything)
and find next to nothing to free (about 60 ms of CPU, measured), so it waits until they
are open (``ui.collector.collection_paused``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import ModuleType

QT_FREE_PACKAGES = frozenset(
    {
        "db",
        "desktop",
        "sqlalchemy",
        "alembic",
        "mako",
        "psycopg",
        "psycopg_binary",
        "argon2",
        "_argon2_cffi_bindings",
        "platformdirs",
        "reportlab",
        "openpyxl",
        "et_xmlfile",
        "segno",
        "pypdfium2",
        "pypdfium2_raw",
        "typing_extensions",
        "greenlet",
    }
)
"""Top-level packages that never import PySide6."""

_IGNORE = -1  # PySide's mark for a module that takes no part in feature switching
_MARK = "_qt_free_aware"


def _stdlib_dirs() -> tuple[str, ...]:
    home = os.path.dirname(os.__file__)
    return (home + os.sep,)


_STDLIB = _stdlib_dirs()


def is_qt_free(module: ModuleType) -> bool:
    """True for a module the hook need not read: one of the Qt-free packages, or a module
    of the standard library (its own directory, not a ``site-packages`` inside it)."""
    name = getattr(module, "__name__", None)
    if not isinstance(name, str):
        return False
    if name.partition(".")[0] in QT_FREE_PACKAGES:
        return True
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.startswith(_STDLIB):
        return False
    return "site-packages" not in path and "dist-packages" not in path


def install_cheap_hook() -> bool:
    """Put the cheap check in front of PySide's hook (once); False if this PySide has no
    such hook, in which case nothing changes."""
    feature = sys.modules.get("shibokensupport.feature")
    loader = sys.modules.get("shibokensupport.signature.loader")
    original = getattr(feature, "feature_imported", None)
    marks = getattr(feature, "pyside_feature_dict", None)
    if not callable(original) or not isinstance(marks, dict):
        return False
    if getattr(original, _MARK, False):
        return True
    checked: Callable[[ModuleType], object] = original

    def feature_imported(module: ModuleType) -> object:
        if is_qt_free(module):
            marks.setdefault(module.__name__, _IGNORE)
            return None
        return checked(module)

    setattr(feature_imported, _MARK, True)
    # The loader's own name is what PySide's C code calls; it looks the feature module's
    # function up at each call, but rebinds its global on the first: set both.
    feature.feature_imported = feature_imported  # type: ignore[union-attr]
    if loader is not None and hasattr(loader, "feature_imported"):
        loader.feature_imported = feature_imported
    return True
