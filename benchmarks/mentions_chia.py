"""Self-check: dictionary mentions against the Chia annotations (Condition, Drug, Procedure).

Not a test and not the formal evaluation: a quick look at where the lexicon stands. Reads
../shared/data/chia/chia_dev_brat.zip (the "without scope" copy), runs `find_mentions` on each
criteria file and prints precision / recall / F1 per type, with exact spans and with any overlap.
Aggregate numbers only: do not tune the lexicon on Chia's gold spans.

    python benchmarks/mentions_chia.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import re
import time
import zipfile
from collections import Counter
from pathlib import Path

from trialscout.eligibility.mentions import MentionKind, find_mentions

TYPES = {"Condition": MentionKind.CONDITION, "Drug": MentionKind.DRUG, "Procedure": MentionKind.PROCEDURE}


def gold_spans(ann: str) -> list[tuple[int, int, MentionKind]]:
    spans = []
    for line in ann.splitlines():
        if not line.startswith("T"):
            continue
        fields = line.split("\t")
        label, _, ranges = fields[1].partition(" ")
        if label not in TYPES:
            continue
        numbers = [int(n) for n in re.findall(r"\d+", ranges)]
        spans.append((numbers[0], numbers[-1], TYPES[label]))
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("..") / "shared" / "data")
    args = parser.parse_args()
    counts: Counter[tuple[str, str]] = Counter()
    elapsed = 0.0
    lines = 0
    with zipfile.ZipFile(args.data / "chia" / "chia_dev_brat.zip") as archive:
        names = sorted(
            n for n in archive.namelist() if n.startswith("chia_without_scope/") and n.endswith(".txt")
        )
        for name in names:
            text = archive.read(name).decode("utf-8")
            gold = gold_spans(archive.read(name[:-4] + ".ann").decode("utf-8"))
            lines += text.count("\n") + 1
            started = time.perf_counter()
            found = [(m.span.start, m.span.end, m.kind) for m in find_mentions(text)]
            elapsed += time.perf_counter() - started
            for kind in MentionKind:
                g = [s for s in gold if s[2] is kind]
                f = [s for s in found if s[2] is kind]
                counts[(kind, "gold")] += len(g)
                counts[(kind, "found")] += len(f)
                counts[(kind, "exact_tp")] += len(set(g) & set(f))
                counts[(kind, "overlap_found")] += sum(any(a < e and s < b for a, b, _ in g) for s, e, _ in f)
                counts[(kind, "overlap_gold")] += sum(any(a < e and s < b for a, b, _ in f) for s, e, _ in g)
                # overlap with a gold span of any of the three types (the kind aside)
                counts[(kind, "any_found")] += sum(any(a < e and s < b for a, b, _ in gold) for s, e, _ in f)
    print(f"{len(names)} criteria files, {lines} lines, {elapsed * 1000 / max(lines, 1):.3f} ms per line")
    print(f"{'type':<10} {'gold':>6} {'found':>6}  exact P/R/F1         overlap P/R/F1       P(any type)")
    for kind in MentionKind:
        gold, found = counts[(kind, "gold")], counts[(kind, "found")]
        p = counts[(kind, "exact_tp")] / max(found, 1)
        r = counts[(kind, "exact_tp")] / max(gold, 1)
        op = counts[(kind, "overlap_found")] / max(found, 1)
        orr = counts[(kind, "overlap_gold")] / max(gold, 1)
        f1 = 2 * p * r / max(p + r, 1e-9)
        of1 = 2 * op * orr / max(op + orr, 1e-9)
        anyp = counts[(kind, "any_found")] / max(found, 1)
        print(
            f"{kind.value:<10} {gold:>6} {found:>6}  {p:.2f} / {r:.2f} / {f1:.2f}   "
            f"{op:.2f} / {orr:.2f} / {of1:.2f}   {anyp:.2f}"
        )


if __name__ == "__main__":
    main()
