"""Run the real ``bgreplay`` command in a pseudo-terminal of a given width, as a user would see
it: colour on, the terminal's size from the tty (and ``COLUMNS``), escape codes stripped."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def in_terminal(*args: str, columns: int, cwd: Path = ROOT) -> tuple[int, str]:
    """(exit code, what the terminal shows) of ``bgreplay ARGS``; stderr is not shown."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "LINES")}
    env.update(TERM="xterm-256color", COLUMNS=str(columns))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bgreplay", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # the other side closed (Linux: EIO)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    code = proc.wait(timeout=120)
    text = _ESCAPES.sub("", b"".join(chunks).decode("utf-8").replace("\r\n", "\n"))
    return code, "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
