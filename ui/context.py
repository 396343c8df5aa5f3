"""What screens are given: the services (opened in the background), the task runner, the
settings, and after login the resident's session. Injected, never looked up globally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.errors import UserError
from desktop.settings import Settings
from ui.tasks import TaskRunner

if TYPE_CHECKING:  # the services import SQLAlchemy: loaded after the first paint
    from desktop.app import Services
    from desktop.auth import SignedIn


class AppContext:
    """Shared by every window. ``services`` is usable inside ``tasks.run`` jobs: the first
    job opens the database, and the runner's single thread runs jobs in order."""

    def __init__(self, settings: Settings, tasks: TaskRunner) -> None:
        self.settings = settings
        self.tasks = tasks
        self._services: Services | None = None
        self._error: Exception | None = None

    def open(self, loader: Callable[[], Services]) -> None:
        """Open the services in the background, after the window has been shown."""

        def load() -> None:
            try:
                self._services = loader()
            except Exception as error:
                self._error = error
                raise

        self.tasks.run(load, lambda _result: None, lambda _error: None)

    @property
    def services(self) -> Services:
        if self._services is None:
            if self._error is not None:
                raise self._error
            raise UserError("База данных ещё открывается. Подождите несколько секунд.")
        return self._services

    def close(self) -> None:
        self.tasks.shutdown()
        if self._services is not None:
            self._services.close()


@dataclass
class PageContext:
    """What a page of the cabinet needs: the app's context and who is logged in."""

    app: AppContext
    session: SignedIn

    @property
    def tasks(self) -> TaskRunner:
        return self.app.tasks

    @property
    def services(self) -> Services:
        return self.app.services

    @property
    def settings(self) -> Settings:
        return self.app.settings
