"""The demo database: the seed's account 3492 to the kopeck, and a few accounts that show what
the seed does not (arrears with their penalty, a retired meter, a three-zone meter, support
requests).

Modules: ``catalog`` (the fixed data), ``seed`` (account 3492 from the seed), ``households``
(the other accounts' statements), ``builder`` (the rows), ``database`` (building it into a
database, safely), ``clone`` (copies for load tests).
"""

from desktop.demo.catalog import (
    DEMO_ACCOUNT,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_REGISTRATION_CODES,
    DEMO_STAFF,
    HOUSEHOLDS,
    SERVICES,
    DemoSummary,
    Household,
)
from desktop.demo.clone import clone_accounts
from desktop.demo.database import build_demo, holds_demo
from desktop.demo.seed import SEED_EMAIL, SEED_FIO

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DEMO_REGISTRATION_CODES",
    "DEMO_STAFF",
    "HOUSEHOLDS",
    "SEED_EMAIL",
    "SEED_FIO",
    "SERVICES",
    "DemoSummary",
    "Household",
    "build_demo",
    "clone_accounts",
    "holds_demo",
]
