from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from db.engine import Database
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.months import add_months
from desktop.settings import DebtSettings, Settings
from desktop.statement import ROW_LABELS, StatementService, unpaid_charges
from tests.factories import add_statement, make_account, make_services

D = Decimal
ZERO = D("0.00")


def test_statement_grid_newest_first_with_totals(database: Database):
    account = make_account(database)
    ids = make_services(database, ["Водоотведение", "ХВС", "Пеня"])
    add_statement(
        database, account, ids["Водоотведение"], date(2017, 5, 1), "46.43", "334.32", "46.43"
    )
    add_statement(database, account, ids["ХВС"], date(2017, 5, 1), "30.03", "262.08", "30.03")
    add_statement(
        database, account, ids["Водоотведение"], date(2017, 6, 1), "334.32", "0", "334.32"
    )
    add_statement(database, account, ids["ХВС"], date(2017, 6, 1), "262.08", "0", "262.08")
    add_statement(database, account, ids["Пеня"], date(2017, 6, 1), "0", "0", "11.86")
    statement = StatementService(database, FixedClock(date(2017, 6, 20)), Settings()).statement(
        Actor.resident(account, "100"), account
    )
    assert [c.name for c in statement.columns] == ["Водоотведение", "ХВС", "Пеня"]
    assert [b.month for b in statement.months] == [date(2017, 6, 1), date(2017, 5, 1)]
    june = statement.months[0]
    assert [line.label for line in june.lines] == list(ROW_LABELS)
    assert june.line("Оплачено").amounts == (D("334.32"), D("262.08"), D("11.86"))
    assert june.line("Оплачено").total == D("608.26")
    assert june.line("Сальдо кон.").total == D("-11.86")
    assert statement.months[1].line("Начислено").total == D("596.40")
    assert statement.balance == D("-11.86") and statement.problems == ()


def test_statement_reports_broken_invariants(database: Database):
    from db.models import StatementRow

    account = make_account(database)
    ids = make_services(database, ["ХВС"])
    add_statement(database, account, ids["ХВС"], date(2017, 5, 1), "0", "100", "0")
    with database.unit_of_work() as s:  # June opens with 90 although May closed with 100
        s.add(StatementRow(account_id=account, service_id=ids["ХВС"], month=date(2017, 6, 1),
                           opening=D("90"), charged=D("10"), paid=D("0"), recalculation=D("0"),
                           closing=D("99")))  # fmt: skip
    statement = StatementService(database, FixedClock(date(2017, 6, 20)), Settings()).statement(
        Actor.resident(account, "100"), account
    )
    assert len(statement.problems) == 2
    assert (
        "сальдо на начало 90.00 не равно сальдо на конец прошлого месяца 100.00"
        in (statement.problems[1])
    )


def test_a_missing_month_is_reported():
    from desktop.statement import check_invariant

    rows = [
        (date(2017, 3, 1), "ХВС", (D("0"), D("10"), D("0"), D("0"), D("10"))),
        (date(2017, 5, 1), "ХВС", (D("12"), D("10"), D("0"), D("0"), D("22"))),
    ]
    problems = check_invariant(rows)
    assert problems[0] == "«ХВС»: пропущен месяц апрель 2017 (есть март 2017 и май 2017)."
    assert "сальдо на начало 12 не равно сальдо на конец прошлого месяца 10" in problems[1]


def test_debt_counts_unpaid_charges_older_than_three_months(database: Database):
    account = make_account(database)
    ids = make_services(database, ["ХВС", "Пеня"])
    month, opening = date(2017, 1, 1), ZERO
    for paid in ["0", "0", "100", "150", "150", "150"]:  # Jan..Jun, 150 charged each month
        opening = add_statement(database, account, ids["ХВС"], month, str(opening), "150", paid)
        month = add_months(month, 1)
    add_statement(database, account, ids["Пеня"], date(2017, 6, 1), "0", "12.50", "0")
    clock = FixedClock(date(2017, 6, 20))
    debt = StatementService(database, clock, Settings()).debt(Actor.resident(account, "1"), account)
    # Payments of 550 cover January–March (450) and 100 of April; April–June are recent.
    # Older than 3 months before June: only months up to February count.
    assert debt.has_debt is False and debt.balance == D("362.50")
    later = FixedClock(date(2017, 9, 20))
    debt = StatementService(database, later, Settings()).debt(Actor.resident(account, "1"), account)
    assert [(i.month, i.service, i.amount) for i in debt.items] == [
        (date(2017, 4, 1), "ХВС", D("50.00")),
        (date(2017, 5, 1), "ХВС", D("150.00")),
    ]
    april = debt.items[0]
    assert april.due == date(2017, 5, 10) and april.days_overdue == 133
    assert debt.total == D("200.00") and debt.by_month() == {
        date(2017, 4, 1): D("50.00"), date(2017, 5, 1): D("150.00"),
    }  # fmt: skip
    # The statement closes June: its unpaid «Пеня» 12,50 is the penalty up to 30 June; from
    # then to 20 September the rule adds, at 8,5 % (the rate of 20 September):
    # April's 50 (overdue 51 → 133 days): 39 days at 1/300 and 43 at 1/130 → 1,96;
    # May's 150 (20 → 102 days): 60 at 1/300 and 12 at 1/130 → 3,73;
    # June's 150, not yet an arrear (0 → 72 days): 42 at 1/300 → 1,785 → 1,79.
    assert debt.penalty_since == date(2017, 6, 30)
    assert debt.penalty_charged == D("12.50")
    assert [i.penalty for i in debt.items] == [D("1.96"), D("3.73")]
    assert debt.penalty_accrued == D("7.48")
    assert debt.penalty == D("19.98")
    assert "Пеня" not in debt.by_service()  # the penalty is not counted as a debt twice


def test_key_rate_is_the_one_in_force_that_day():
    rules = DebtSettings()
    assert rules.key_rate_on(date(2017, 6, 20)) == D("9.00")
    assert rules.key_rate_on(date(2022, 3, 1)) == D("20.00")


money = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
month_moves = st.tuples(money, money, st.decimals(min_value=-500, max_value=500, places=2))


@given(
    st.decimals(min_value=-1000, max_value=1000, places=2),
    st.lists(month_moves, min_size=1, max_size=24),
)
def test_unpaid_charges_add_up_to_the_closing_balance(opening: Decimal, moves):
    history, month, balance = [], date(2015, 1, 1), opening
    for charged, paid, recalc in moves:
        closing = balance + charged - paid + recalc
        history.append((month, (balance, charged, paid, recalc, closing)))
        month, balance = add_months(month, 1), closing
    unpaid = unpaid_charges(history)
    assert sum((amount for _m, amount in unpaid), ZERO) == max(balance, ZERO)
    assert all(amount > 0 for _m, amount in unpaid)
    assert [m for m, _a in unpaid] == sorted(m for m, _a in unpaid)


@given(data=st.data())
def test_check_invariant_finds_any_broken_kopeck(data):
    """Generated movements stored through the invariant always read back consistent."""
    from desktop.statement import check_invariant

    moves = data.draw(st.lists(month_moves, min_size=1, max_size=12))
    rows, month, balance = [], date(2016, 1, 1), ZERO
    for charged, paid, recalc in moves:
        closing = balance + charged - paid + recalc
        rows.append((month, "ХВС", (balance, charged, paid, recalc, closing)))
        month, balance = add_months(month, 1), closing
    assert check_invariant(rows) == []
    broken = data.draw(st.integers(0, len(rows) - 1))
    m, service, values = rows[broken]
    rows[broken] = (m, service, (*values[:4], values[4] + D("0.01")))
    assert check_invariant(rows)
