"""Benchmarks, run by ``make bench``. They print tables; they never assert timings."""
