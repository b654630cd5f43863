"""Benchmarks behind ``make bench`` (numbers printed, not timed tests): see ``__main__``."""
