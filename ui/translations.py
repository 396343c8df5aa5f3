"""Qt's own texts in Russian: the standard dialogs (save, print, message boxes), the context
menus of text fields and the buttons Qt names itself.

PySide6 ships ``qtbase_ru.qm``; the frozen build keeps only the Russian files
(``build.spec``). Installed after the login window's first paint: the file is small, but
nothing on the first screen needs it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CATALOGUES = ("qtbase",)  # the standard dialogs and widgets


def _folders() -> list[str]:
    """Where Qt's translations may be: Qt's own idea first, then beside the PySide6 package
    (a frozen build or a wheel whose qt.conf points elsewhere)."""
    import PySide6

    package = Path(PySide6.__file__).resolve().parent
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)]
    folders += [str(package / "Qt" / "translations"), str(package / "translations")]
    return [folder for folder in dict.fromkeys(folders) if folder]


def install(app: QCoreApplication) -> bool:
    """Install Qt's Russian translations on ``app``; False when they are not found (Qt's
    texts then stay English, nothing else changes)."""
    russian = QLocale(QLocale.Language.Russian, QLocale.Country.Russia)
    installed = False
    for catalogue in CATALOGUES:
        translator = QTranslator(app)  # parented: it lives as long as the application
        if any(translator.load(russian, catalogue, "_", folder) for folder in _folders()):
            installed = QCoreApplication.installTranslator(translator) or installed
    return installed
