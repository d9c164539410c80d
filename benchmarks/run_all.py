"""Run every benchmark and write its page under docs/benchmarks/."""

from __future__ import annotations

from benchmarks import load, search


def main() -> None:
    load.main()
    search.main()


if __name__ == "__main__":
    main()
