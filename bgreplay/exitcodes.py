"""The whole exit-code policy in one place (SPEC §3)."""

OK = 0
EXPECTATIONS_FAILED = 1  # also: lint errors, regressions against a baseline
BAD_INPUT = 2
INTERNAL_ERROR = 3
INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as a shell reports it
TERMINATED = 143  # SIGTERM: 128 + 15
HANGUP = 129  # SIGHUP (the terminal or ssh session closed): 128 + 1
