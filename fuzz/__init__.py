"""Fuzzing bgreplay's inputs (SPEC §10: "no input file can produce a traceback").

The mutators here are shared by the bounded hypothesis tests (``tests/test_fuzz_*.py``, through
``tests/fuzz_strategies.py``) and by the long run (``python -m fuzz --minutes 10``). Every mutator
draws its choices from a ``Draw`` so the same code runs on ``random.Random`` (the long run) and on
hypothesis data (the tests, which then shrink a failure to a small case).
"""
