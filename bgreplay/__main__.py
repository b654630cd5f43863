"""``python -m bgreplay`` and the ``bgreplay`` console script.

Signals are handled from the first line: typer, rich and polars take a while to import, and a
Ctrl-C or SIGTERM meanwhile must exit like one during a command (one line, no traceback).

The cycle collector is kept off the objects that live until the process exits. During the
start-up imports it is paused (every module, class and function made then survives, so each
collection would rescan them for nothing), and what exists once they are done is frozen: out
of the collector's sight, including the full collection the interpreter makes when it exits
(a sixth of a short ``run``'s wall time). Objects made afterwards are collected as usual.
"""

import gc
import signal
import sys


def entry() -> None:
    gc.disable()
    try:
        from bgreplay.cli.interrupts import stop_at_once

        stop_at_once()
    except KeyboardInterrupt:  # before the handlers were in place
        from bgreplay.exitcodes import Outcome

        sys.stderr.write("bgreplay: interrupted\n")
        sys.exit(Outcome(stopped_by=signal.SIGINT).exit_code)
    from bgreplay.cli.app import main

    gc.freeze()
    gc.enable()
    code = main()
    gc.freeze()  # at exit: no collection over everything the command made either
    sys.exit(code)


if __name__ == "__main__":
    entry()
