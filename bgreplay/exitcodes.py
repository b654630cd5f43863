"""The whole exit-code rule (SPEC §3) in one place.

Every command ends with an ``Outcome``: the facts of how it ended (failed checks, bad input, a
bug, a signal). ``Outcome.exit_code`` alone turns those facts into the process's exit code, as
Black's ``Report.return_code`` does; the CLI's error boundary (``bgreplay.cli.app``) records
what the exceptions say. Only the standard library is imported: the entry point uses this
before the heavy imports.
"""

from __future__ import annotations

import signal

OK = 0
EXPECTATIONS_FAILED = 1  # also: lint errors, regressions against a baseline
BAD_INPUT = 2
INTERNAL_ERROR = 3
SIGNALLED = 128  # + the signal's number, as a shell reports it: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
INTERRUPTED = SIGNALLED + signal.SIGINT


class Outcome:
    """How a command ended. The most severe fact decides: a signal, then a bug, then bad
    input, then failed checks."""

    __slots__ = ("bad_input", "failures", "internal_error", "stopped_by")

    def __init__(
        self,
        *,
        failures: int = 0,
        bad_input: bool = False,
        internal_error: bool = False,
        stopped_by: int | None = None,
    ) -> None:
        self.failures = failures  # expectations missed, metrics beyond tolerance, lint errors
        self.bad_input = bad_input  # a scenario, trace, option or path the user can fix
        self.internal_error = internal_error  # a bug in bgreplay
        self.stopped_by = stopped_by  # the signal that stopped the command

    @property
    def exit_code(self) -> int:
        if self.stopped_by is not None:
            return SIGNALLED + self.stopped_by
        if self.internal_error:
            return INTERNAL_ERROR
        if self.bad_input:
            return BAD_INPUT
        if self.failures:
            return EXPECTATIONS_FAILED
        return OK

    @property
    def ok(self) -> bool:
        return self.exit_code == OK
