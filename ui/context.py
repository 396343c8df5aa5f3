"""What screens are given: the services (opened in the background), the task runner, the
settings, and after sign-in who acts and which account they serve. Injected, never looked
up globally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from desktop.errors import UserError
from desktop.settings import Settings
from ui.tasks import TaskRunner

if TYPE_CHECKING:  # the services import SQLAlchemy: loaded after the first paint
    from desktop.actors import Actor
    from desktop.app import Services


class _Signals(QObject):
    # (session id, the Russian message): emitted on a worker thread, delivered on the GUI's.
    session_ended = Signal(int, str)


class AppContext:
    """Shared by every window. ``services`` is usable inside ``tasks.run`` jobs: the first
    job opens the database, and the runner's single thread runs jobs in order.

    ``session_ended`` is emitted whenever a service call meets a session that has ended (a
    password changed in another window, a logout elsewhere): the application then returns
    to the login window, whichever screen made the call."""

    def __init__(self, settings: Settings, tasks: TaskRunner) -> None:
        self.settings = settings
        self.tasks = tasks
        self._services: Services | None = None
        self._error: Exception | None = None
        self._loader: Callable[[], Services] | None = None
        self._signals = _Signals()
        self.session_ended = self._signals.session_ended

    def open(self, loader: Callable[[], Services]) -> None:
        """Open the services in the background, after the window has been shown."""
        self._loader = loader
        self.tasks.run(self._load, lambda _result: None, lambda _error: None)

    @property
    def opening(self) -> bool:
        """Whether ``open`` was called: jobs queued from now on find the services open (or
        the reason they are not)."""
        return self._loader is not None

    def _load(self) -> Services:
        assert self._loader is not None
        try:
            services = self._loader()
        except Exception as error:
            self._error = error
            raise
        services.sessions.on_ended(self._ended)
        self._services = services
        return services

    def _ended(self, error: Exception) -> None:
        session_id = getattr(error, "session_id", None)
        if session_id is not None:
            self.session_ended.emit(session_id, str(error))

    @property
    def services(self) -> Services:
        """The services; if opening them failed (the server was down), the next job that
        asks opens them again, so the window recovers without a restart."""
        if self._services is None:
            if self._error is not None and self._loader is not None:
                self._error = None
                return self._load()
            if self._error is not None:
                raise self._error
            raise UserError("База данных ещё открывается. Подождите несколько секунд.")
        return self._services

    def close(self) -> None:
        self.tasks.shutdown()
        if self._services is not None:
            self._services.close()


class SignedInLike(Protocol):
    """What the login hands over (``desktop.auth``'s sign-in result), read by duck typing."""

    @property
    def actor(self) -> Actor: ...
    @property
    def account_id(self) -> int | None: ...
    @property
    def account_number(self) -> str: ...
    @property
    def fio(self) -> str: ...
    @property
    def address(self) -> str: ...


@dataclass(frozen=True)
class ServedAccount:
    """The account a page shows and changes: the resident's own, or one a clerk serves."""

    id: int
    number: str
    fio: str  # exactly as on the receipt
    address: str


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the app's context, who acts, and the account served (none for
    staff pages). The actor and the account are apart, so a clerk can serve a resident."""

    app: AppContext
    actor: Actor
    account: ServedAccount | None
    actor_name: str = ""  # the staff member's full name, for the header

    @classmethod
    def for_sign_in(cls, app: AppContext, signed_in: SignedInLike) -> PageContext:
        """A resident serves their own account; a staff member, none yet."""
        account = None
        if signed_in.account_id is not None:
            account = ServedAccount(
                signed_in.account_id, signed_in.account_number, signed_in.fio, signed_in.address
            )
        return cls(app, signed_in.actor, account, signed_in.fio)

    @property
    def served(self) -> ServedAccount:
        """The account served, for pages that need one (every resident page does)."""
        if self.account is None:
            raise UserError("Сначала выберите лицевой счет.")
        return self.account

    @property
    def role(self) -> str:
        """«resident», «clerk» or «admin»: what the page registry chooses by."""
        kind = str(self.actor.kind)  # a StrEnum: compared as text, desktop.actors loads later
        return kind if kind in ("clerk", "admin") else "resident"

    @property
    def tasks(self) -> TaskRunner:
        return self.app.tasks

    @property
    def services(self) -> Services:
        return self.app.services

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def kiosk(self) -> bool:
        """On the kiosk's touch screen: hints name touches and its keypad, not keys or files."""
        return self.settings.mode == "kiosk"
