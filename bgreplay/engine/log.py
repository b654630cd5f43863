"""The event log as the engine writes it: one plain tuple per event, in ``Event`` field order.

Rows are tuples rather than objects because a replay writes hundreds a day; ``result()`` turns
them into ``Event`` records once, at the end.
"""

from __future__ import annotations

from bgreplay.scenario.model import Task

Row = tuple[
    int,
    int,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    int | None,
    float | None,
    str | None,
    int | None,
    str | None,
    str | None,
    float | None,
    int | None,
    int | None,
    int | None,
]


class EventLog:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def device(
        self,
        t: int,
        event: str,
        *,
        app: str | None = None,
        reason: str | None = None,
        value: float | None = None,
        detail: str | None = None,
        task_id: str | None = None,
    ) -> None:
        """A device or app event (``task_id``: the task an app crash is about)."""
        self.rows.append(
            (
                len(self.rows),
                t,
                event,
                app,
                task_id,
                None,
                reason,
                None,
                value,
                detail,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            )
        )

    def task(
        self,
        t: int,
        event: str,
        task: Task,
        *,
        reason: str | None = None,
        run: int | None = None,
        value: float | None = None,
        detail: str | None = None,
        request: int | None = None,
        origin: str | None = None,
        cause: str | None = None,
        energy: float | None = None,
    ) -> None:
        """An event of one task (its app, identifier and type filled in)."""
        self.rows.append(
            (
                len(self.rows),
                t,
                event,
                task.app,
                task.id,
                task.type,
                reason,
                run,
                value,
                detail,
                request,
                origin,
                cause,
                energy,
                None,
                None,
                None,
            )
        )

    def app_opened(
        self, t: int, bundle: str, start: str, fetched_at: int, missed: int, backlog_ms: int
    ) -> None:
        """A foreground open of a scenario app: how it found the process, and its freshness."""
        self.rows.append(
            (
                len(self.rows),
                t,
                "app_opened",
                bundle,
                None,
                None,
                start,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                missed,
                backlog_ms,
                fetched_at,
            )
        )
