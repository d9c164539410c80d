"""Run every benchmark and write its page under docs/benchmarks/."""

from __future__ import annotations

from benchmarks import criteria, load, match, search


def main() -> None:
    load.main()
    search.main()
    criteria.main()
    match.main()


if __name__ == "__main__":
    main()
