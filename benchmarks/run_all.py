"""Run every benchmark and write its page under docs/benchmarks/, then the eligibility reports
(docs/eligibility-chia.md, docs/eligibility-readability.md)."""

from __future__ import annotations

from benchmarks import chia, cli, criteria, load, match, readability, registry, search, web


def main() -> None:
    load.main()
    search.main()
    criteria.main()
    match.main()
    cli.main([])
    chia.main()
    readability.main([])
    web.main([])
    registry.main([])  # the whole registry (580,000 trials, both download formats): the longest


if __name__ == "__main__":
    main()
