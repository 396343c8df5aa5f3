"""The debt's story in words, one wording for the cabinet's page and the command line: the
amount to pay as the receipt says it, what of it is old debt and penalty, and the penalty
accrued since, which the next receipt charges."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from desktop.common.plural import plural, plural_form
from desktop.formatting import money, ru_date
from desktop.months import MONTHS_GENITIVE, month_name

if TYPE_CHECKING:
    from desktop.statement import Debt

NO_DEBT = "Задолженности нет"


def months_word(count: int) -> str:
    """The genitive after «более»: «более 1 месяца», «более 3 месяцев», «более 21 месяца»."""
    return plural_form(count, "месяца", "месяцев", "месяцев")


def explanation(debt: Debt) -> str:
    """What counts as debt here and how the penalty is reckoned, in one paragraph."""
    months = debt.older_than_months
    return (
        f"Задолженность — начисления, не оплаченные более {months} {months_word(months)}. "
        "Пеня рассчитана по ч. 14 ст. 155 Жилищного кодекса РФ: первые 30 дней после срока "
        "оплаты пеня не начисляется, с 31-го по 90-й день — 1/300 ключевой ставки Банка России "
        f"за каждый день, с 91-го дня — 1/130. Расчет на {ru_date(debt.as_of)}."
    )


def to_pay_caption(debt: Debt) -> str:
    """The headline's caption: the receipt whose «к оплате» it is (less the payments since)."""
    if debt.statement_month is None:
        return "К оплате"
    caption = f"К оплате за {month_name(debt.statement_month).lower()}"  # as the receipt
    return f"{caption} с учетом оплат" if debt.payments_after else caption


def payments_text(debt: Debt) -> str:
    """The payments the amount to pay already counts, which the statement does not hold."""
    if not debt.payments_after:
        return ""
    month = debt.statement_month
    after = f" после {MONTHS_GENITIVE[month.month - 1]} {month.year}" if month else ""
    count = plural(debt.payments_after, "платеж", "платежа", "платежей").replace(" ", "\u00a0")
    return (
        f"Учтены оплаты{after}: {count} на {money(debt.paid_after)} ₽. Они войдут в "
        "следующую ведомость."
    )


def accrued_caption(debt: Debt) -> str:
    first = debt.penalty_since + timedelta(days=1) if debt.penalty_since else debt.as_of
    return f"Пеня с {ru_date(first)}"


def penalty_text(debt: Debt) -> str:
    """Where the penalty figures come from: the receipt's unpaid «Пеня», and what accrued
    since, which the next receipt charges."""
    charged = (
        f"Пеня в квитанции — {money(debt.penalty_charged)} ₽: начислена по ведомости и ещё "
        "не оплачена."
    )
    if debt.penalty_since is None or not debt.penalty_accrued:
        return charged
    first = debt.penalty_since + timedelta(days=1)
    return (
        f"{charged} С {ru_date(first)} по {ru_date(debt.as_of)} на все неоплаченные "
        f"начисления набежало ещё {money(debt.penalty_accrued)} ₽: эта пеня войдёт в "
        "следующую квитанцию, в таблицах она показана по каждому долгу."
    )


def settle_text(debt: Debt) -> str:
    """What the amount to pay holds besides the arrears, and what settles everything today."""
    text = (
        "В сумму к оплате входят и начисления последних месяцев, срок оплаты которых ещё не вышел."
    )
    if debt.payments_after:
        text += " " + payments_text(debt)
    if debt.penalty_accrued:
        text += (
            f" Чтобы погасить всё на {ru_date(debt.as_of)} вместе с новой пеней, нужно "
            f"{money(debt.to_settle)} ₽."
        )
    return text


def balance_text(debt: Debt) -> str:
    """The current balance when there are no arrears: to pay, an overpayment, or nothing."""
    paid = payments_text(debt)
    if debt.balance > 0:
        text = (
            f"К оплате {money(debt.balance)} ₽ — начисления последних месяцев, "
            "срок которых ещё не вышел."
        )
    elif debt.balance < 0:
        text = f"Переплата {money(-debt.balance)} ₽ — она будет учтена в следующих начислениях."
    else:
        text = "Баланс лицевого счета — 0,00 ₽: долга и переплаты нет."
    return f"{text} {paid}" if paid else text


def summary(debt: Debt) -> str:
    """The figures of the page's card in one paragraph, for the command line."""
    months = debt.older_than_months
    lines = [
        f"{to_pay_caption(debt)}: {money(debt.balance)} ₽, в т. ч. долг старше {months} "
        f"{months_word(months)} {money(debt.total)} ₽.",
        penalty_text(debt),
        settle_text(debt),
    ]
    return "\n".join(lines)
