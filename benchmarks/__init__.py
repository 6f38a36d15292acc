"""Performance benchmarks: ``make bench`` runs every ``benchmarks/bench_*.py``.

``make mutants`` runs :mod:`benchmarks.mutants`, mutation testing of the hidden cases
(not a benchmark: ``make bench`` leaves it out).
"""
