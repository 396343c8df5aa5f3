"""The ``accepted`` layout: 1C's answer to a readings export — for each account and month,
whether 1C took the readings («Обновлено из 1С») or refused them, and why. 1C may answer per
period or the export's own rows with the status added: the other columns are then ignored, and
a period with several rows is refused if any of them is. A row's own rules, no database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.accounts import NUMBER
from desktop.exchange.columns import Field, header_key
from desktop.exchange.rows import RowReader

REASON_LENGTH = 300  # Period.declined_reason

FIELDS = (
    replace(NUMBER, key="account"),
    Field(
        "month",
        "Период",
        ("Месяц", "Расчетный период", "Период показаний"),
        required=True,
    ),
    Field(
        "status",
        "Статус",
        ("Результат", "Состояние", "Результат загрузки", "Статус загрузки", "Принято", "Принят"),
        required=True,
    ),
    Field("reason", "Причина", ("Причина отказа", "Причина отклонения", "Комментарий",
                                "Примечание", "Ошибка")),
)  # fmt: skip

_ACCEPTED = ("принято", "принят", "принята", "приняты", "загружено", "загружен", "обновлено",
             "да", "ок", "ok", "1", "+")  # fmt: skip
_DECLINED = ("отклонено", "отклонен", "отклонена", "отклонены", "не принято", "не принят",
             "не загружено", "отказ", "ошибка", "нет", "0", "-")  # fmt: skip
ACCEPTED_WORDS = frozenset(header_key(word) or word for word in _ACCEPTED)
DECLINED_WORDS = frozenset(header_key(word) or word for word in _DECLINED)


@dataclass(frozen=True)
class AcceptedLine:
    line: int
    account: str
    month: date  # the first day
    accepted: bool
    reason: str  # why 1C refused; empty when accepted


def status(text: str) -> bool:
    """True for «Принято», False for «Отклонено» (and the other words 1C writes)."""
    key = header_key(text) or text.strip()
    if key in ACCEPTED_WORDS:
        return True
    if key in DECLINED_WORDS:
        return False
    raise values.CellError(
        f"Статус {values.shown(text)} не понятен: нужно «Принято» или «Отклонено»."
    )


def parse(reader: RowReader) -> AcceptedLine | None:
    """The row's answer, or None with the reasons in ``reader.problems``."""
    account = clean_number(reader.raw("account"))
    number_problems: list[str] = []
    check_number(account, number_problems)
    for message in number_problems:
        reader.problem("account", message)
    month = reader.value("month", values.month, required=True)
    accepted = reader.value("status", status, required=True)
    reason = reader.value("reason", lambda t: values.text(t, limit=REASON_LENGTH, what="Причина"))
    if accepted is False and not reason:
        reader.problem(
            "reason" if reader.has("reason") else "status",
            "1С отклонила показания, но причина не указана: заполните столбец «Причина» — её "
            "увидят в офисе.",
        )
    if reader.problems or month is None or accepted is None:
        return None
    return AcceptedLine(
        line=reader.line.number,
        account=account,
        month=month,
        accepted=accepted,
        reason="" if accepted else (reason or ""),
    )
