"""Who may do what: every permission, one table of what each kind of actor holds, and the checks
the services call."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from desktop.actors import Actor, ActorKind
from desktop.errors import AccessDeniedError

ACCOUNT_DENIED = "Нет доступа к этому лицевому счету."
ONE_TIME_DENIED = (
    "Вы вошли с одноразовым паролем: сначала придумайте свой пароль, затем войдите с ним."
)


class Permission(enum.Enum):
    """Something an actor may be allowed to do; ``label`` completes «Недостаточно прав, чтобы…»."""

    READ_OWN_ACCOUNT = "read_own_account"
    ACT_FOR_ANY_ACCOUNT = "act_for_any_account"
    # Also past periods and those 1C accepted, always with a reason for the audit log.
    ENTER_READINGS_OUTSIDE_WINDOW = "enter_readings_outside_window"
    CONFIRM_REPLACEMENT = "confirm_replacement"  # a value below the previous one
    SEARCH_ACCOUNTS = "search_accounts"
    CREATE_ACCOUNTS = "create_accounts"
    LIST_BUILDINGS = "list_buildings"
    PRINT_BATCHES = "print_batches"
    HANDLE_OUTBOX = "handle_outbox"  # its slips hold one-time passwords
    ANSWER_SUPPORT = "answer_support"  # and see every resident's requests
    IMPORT = "import"
    EXPORT = "export"
    SEE_AUDIT_LOG = "see_audit_log"  # every entry
    SEE_OWN_AUDIT_ENTRIES = "see_own_audit_entries"  # a staff member's own actions
    MANAGE_STAFF = "manage_staff"
    CHANGE_SETTINGS = "change_settings"
    BACKUP = "backup"  # copies of the whole database, and restores from them

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Permission.READ_OWN_ACCOUNT: "открывать свой лицевой счет",
    Permission.ACT_FOR_ANY_ACCOUNT: "работать с любым лицевым счетом",
    Permission.ENTER_READINGS_OUTSIDE_WINDOW: "вводить показания вне окна приёма",
    Permission.CONFIRM_REPLACEMENT: "подтверждать замену счетчика или переход через ноль",
    Permission.SEARCH_ACCOUNTS: "искать лицевые счета",
    Permission.CREATE_ACCOUNTS: "заводить лицевые счета",
    Permission.LIST_BUILDINGS: "смотреть список домов",
    Permission.PRINT_BATCHES: "печатать квитанции по дому",
    Permission.HANDLE_OUTBOX: "работать с исходящими сообщениями",
    Permission.ANSWER_SUPPORT: "отвечать на обращения жителей",
    Permission.IMPORT: "загружать данные из 1С и банка",
    Permission.EXPORT: "выгружать данные в 1С и ГИС ЖКХ",
    Permission.SEE_AUDIT_LOG: "смотреть журнал действий",
    Permission.SEE_OWN_AUDIT_ENTRIES: "смотреть журнал своих действий",
    Permission.MANAGE_STAFF: "управлять сотрудниками",
    Permission.CHANGE_SETTINGS: "менять настройки организации",
    Permission.BACKUP: "делать резервные копии базы и восстанавливать её",
}

_RESIDENT = frozenset({Permission.READ_OWN_ACCOUNT})
_CLERK = frozenset(
    {
        Permission.ACT_FOR_ANY_ACCOUNT,
        Permission.ENTER_READINGS_OUTSIDE_WINDOW,
        Permission.CONFIRM_REPLACEMENT,
        Permission.SEARCH_ACCOUNTS,
        Permission.CREATE_ACCOUNTS,
        Permission.LIST_BUILDINGS,
        Permission.PRINT_BATCHES,
        Permission.HANDLE_OUTBOX,
        Permission.ANSWER_SUPPORT,
        Permission.EXPORT,
        Permission.SEE_OWN_AUDIT_ENTRIES,
    }
)
# Loading 1C's and the bank's files rewrites many accounts at once: the administrator's.
_ADMIN = _CLERK | {
    Permission.IMPORT,
    Permission.SEE_AUDIT_LOG,
    Permission.MANAGE_STAFF,
    Permission.CHANGE_SETTINGS,
    Permission.BACKUP,
}

GRANTS: Mapping[ActorKind, frozenset[Permission]] = {
    ActorKind.RESIDENT: _RESIDENT,
    # A kiosk resident holds what a resident does; what the kiosk does not offer (files,
    # dialogs) is the kiosk shell's business, not a permission.
    ActorKind.KIOSK: _RESIDENT,
    ActorKind.CLERK: _CLERK,
    ActorKind.ADMIN: _ADMIN,
    # The command line, imports and the first administrator of a new database.
    ActorKind.SYSTEM: frozenset(Permission) - {Permission.READ_OWN_ACCOUNT},
}
"""The one table of permissions: each kind of actor and everything it may do."""


def allows(actor: Actor, permission: Permission) -> bool:
    """Whether ``actor`` holds ``permission``. Someone signed in with a one-time password
    holds nothing until they have chosen their own (``AuthService.change_password``)."""
    return not actor.one_time and permission in GRANTS[actor.kind]


def require(actor: Actor, permission: Permission) -> None:
    """AccessDeniedError naming what is not allowed and who may, unless ``actor`` may."""
    if actor.one_time:
        raise AccessDeniedError(ONE_TIME_DENIED)
    if not allows(actor, permission):
        raise AccessDeniedError(f"Недостаточно прав, чтобы {permission.label}: {_who(permission)}.")


def require_account(actor: Actor, account_id: int) -> None:
    """AccessDeniedError unless the account is the actor's own or they act for any account.

    The message is the same whether the account exists or not: a resident learns nothing
    about other people's accounts.
    """
    if allows(actor, Permission.ACT_FOR_ANY_ACCOUNT):
        return
    if allows(actor, Permission.READ_OWN_ACCOUNT) and actor.account_id == account_id:
        return
    raise AccessDeniedError(ONE_TIME_DENIED if actor.one_time else ACCOUNT_DENIED)


def _who(permission: Permission) -> str:
    """Who may, for the refusal: the kinds of people holding the permission."""
    kinds = {kind for kind, granted in GRANTS.items() if permission in granted}
    kinds.discard(ActorKind.SYSTEM)
    if kinds == {ActorKind.CLERK, ActorKind.ADMIN}:
        return "это могут только сотрудники офиса"
    if kinds == {ActorKind.ADMIN}:
        return "это может только администратор"
    if kinds == {ActorKind.RESIDENT, ActorKind.KIOSK}:
        return "это может только сам житель"
    if not kinds:
        return "это делается только автоматически"
    return "это могут только: " + ", ".join(kind.label for kind in ActorKind if kind in kinds)
