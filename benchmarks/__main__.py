"""Run every benchmark module (``bench_*.py``) in this folder, in name order.

Each module exposes ``main()``, which measures the course's code and a peer in the
same run and prints medians and ratios. ``python -m benchmarks mlp`` runs only the
modules whose name contains ``mlp``.
"""

import importlib
import pkgutil
import sys

import benchmarks


def main(argv: list[str]) -> None:
    names = sorted(
        m.name
        for m in pkgutil.iter_modules(benchmarks.__path__)
        if m.name.startswith("bench_")
    )
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
