"""Performance benchmarks: ``make bench`` runs every ``benchmarks/bench_*.py``."""
