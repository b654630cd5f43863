"""``python -m bgreplay`` and the ``bgreplay`` console script.

Signals are handled from the first line: typer, rich and polars take a while to import, and a
Ctrl-C or SIGTERM meanwhile must exit like one during a command (one line, no traceback).
"""

import signal
import sys


def entry() -> None:
    try:
        from bgreplay.cli.interrupts import stop_at_once

        stop_at_once()
    except KeyboardInterrupt:  # before the handlers were in place
        from bgreplay.exitcodes import Outcome

        sys.stderr.write("bgreplay: interrupted\n")
        sys.exit(Outcome(stopped_by=signal.SIGINT).exit_code)
    from bgreplay.cli.app import main

    sys.exit(main())


if __name__ == "__main__":
    entry()
