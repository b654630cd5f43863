"""``make bench``: import every ``bench/bench_*.py`` and print the lines its ``run()`` returns.

``python -m bench [NAME...]`` runs only the modules whose name contains one of the NAMEs.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(word in n for word in argv)]
    for name in names:
        print(f"{name}", flush=True)
        for line in importlib.import_module(f"bench.{name}").run():
            print(f"  {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
