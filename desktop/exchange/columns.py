"""Columns found by their header's text, not their place: each field of a layout names the
headers 1C and people write for it, compared without case, ё, punctuation, spacing, a unit
after a comma («Площадь, м2») or anything in brackets («Площадь (кв. м)»)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop.common.problems import Problem


@dataclass(frozen=True)
class Field:
    """One value a layout reads: its key, the header the documentation uses, the other
    headers that mean it, and whether a file must have it."""

    key: str
    title: str
    synonyms: tuple[str, ...] = ()
    required: bool = False

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(header_key(name) for name in (self.title, *self.synonyms))


_BRACKETS = re.compile(r"\([^)]*\)|\[[^]]*\]")
_NOT_WORD = re.compile(r"[^\w]+")


def header_key(header: str) -> str:
    """A header as it is compared: «Лицевой счёт» and «ЛИЦЕВОЙ  СЧЕТ» are one, «Площадь, м2»
    and «Площадь (м²)» are «площадь», «№ л/с» is «л с»."""
    text = _BRACKETS.sub(" ", header.casefold().replace("ё", "е"))
    text = text.split(",", 1)[0]
    return " ".join(_NOT_WORD.sub(" ", text.replace("№", " ")).replace("_", " ").split())


@dataclass
class Columns:
    """Which cell of a row holds each field, as found in one file's header row."""

    line: int  # the header row's line number
    headers: list[str]  # as written in the file
    index: dict[str, int]  # field key → cell position
    unused: list[str] = field(default_factory=list)  # headers that name no field

    def has(self, key: str) -> bool:
        return key in self.index

    def title(self, key: str) -> str:
        """The field's header as the file writes it, for a message."""
        return self.headers[self.index[key]].strip()


def match(line: int, headers: Sequence[str], fields: Sequence[Field]) -> Columns:
    """The fields found in ``headers`` (a header matching none is left unused)."""
    by_key = {k: f for f in fields for k in f.keys}
    columns = Columns(line, list(headers), {})
    for position, header in enumerate(headers):
        key = header_key(header)
        wanted = by_key.get(key)
        if wanted is None:
            if key:
                columns.unused.append(header.strip())
        elif wanted.key not in columns.index:
            columns.index[wanted.key] = position
        else:
            columns.unused.append(header.strip())  # a second column of the same field
    return columns


def column_problems(columns: Columns, fields: Sequence[Field]) -> list[Problem]:
    """A missing required column, or one field in two columns: the file cannot be read."""
    problems = [
        Problem(
            f"Нет столбца «{f.title}»"
            + (f" (или {', '.join(f'«{s}»' for s in f.synonyms[:3])})" if f.synonyms else "")
            + ": без него строки не загрузить. Проверьте строку заголовков.",
            row=columns.line,
            column=f.title,
            place=f"строка {columns.line}",
        )
        for f in fields
        if f.required and f.key not in columns.index
    ]
    by_key = {k: f for f in fields for k in f.keys}
    seen: dict[str, str] = {}
    for header in columns.headers:
        wanted = by_key.get(header_key(header))
        if wanted is None:
            continue
        if wanted.key in seen:
            problems.append(
                Problem(
                    f"Столбцы «{seen[wanted.key]}» и «{header.strip()}» означают одно и то же "
                    f"(«{wanted.title}»): оставьте в файле один из них.",
                    row=columns.line,
                    column=header.strip(),
                    place=f"строка {columns.line}",
                )
            )
        else:
            seen[wanted.key] = header.strip()
    return problems


def score(headers: Sequence[str], fields: Sequence[Field]) -> tuple[bool, int]:
    """Whether ``headers`` hold every required field of a layout, and how many fields."""
    found = {f.key for f in fields for h in headers if header_key(h) in f.keys}
    complete = all(f.key in found for f in fields if f.required)
    return complete, len(found)
