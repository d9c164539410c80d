"""How fast the command line answers: wall time of `trialscout search`, `show` and `match`.

Each command runs in a fresh process on the real records (every registry-format record of
../shared/data, as `trialscout load` stores them), beside the floor every Python command pays,
``python -c "import json"``, in the same run, interleaved, seven rounds; medians are quoted and
each command as a multiple of that floor (the targets: search 20x, show 15x, match 50x).

``--baseline REV`` also measures the code of an older commit (checked out as a git worktree
under benchmarks/.work/, with its own store loaded by its own code), interleaved with this code,
so that "before" and "after" come from the same machine in the same hour.

    python -m benchmarks.cli --baseline a1d0588
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import DATA, REPO, WORK, median, run_measured, write_page
from benchmarks.corpus import REGISTRY_INPUTS, real_store

ROUNDS = 7
NCT = "NCT06576635"
TARGETS = {"search": 20.0, "show": 15.0, "match": 50.0}


def note_file() -> Path:
    """A real patient description (the first SIGIR 2016 topic) as a clinical note file."""
    path = DATA / "trialgpt" / "dataset" / "sigir" / "queries.jsonl"
    first = json.loads(path.read_text().splitlines()[0])
    note = WORK / "note.txt"
    WORK.mkdir(parents=True, exist_ok=True)
    note.write_text(first["text"])
    return note


def commands(db: Path, note: Path) -> dict[str, list[str]]:
    base = ["-m", "trialscout", "--db", str(db)]
    return {
        "search": [*base, "search", "lung cancer", "--near", "Chicago"],
        "show": [*base, "show", NCT],
        "match": [*base, "match", str(note)],
    }


def baseline_tree(rev: str) -> tuple[Path, Path]:
    """The source tree of ``rev`` and a store its own code loaded."""
    tree = WORK / f"baseline-{rev}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), rev], check=True)
    db = WORK / f"baseline-{rev}.db"
    if not db.exists():
        env = {**os.environ, "PYTHONPATH": str(tree / "src")}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "trialscout",
                "--db",
                str(db),
                "load",
                "--quiet",
                *map(str, REGISTRY_INPUTS),
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return tree, db


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", help="a git revision to measure beside this code")
    args = parser.parse_args(argv)
    note = note_file()
    runs: dict[str, tuple[list[str], dict[str, str]]] = {
        "import json": (["-c", "import json"], dict(os.environ))
    }
    for name, command in commands(real_store(), note).items():
        runs[name] = (command, dict(os.environ))
    if args.baseline:
        tree, db = baseline_tree(args.baseline)
        env = {**os.environ, "PYTHONPATH": str(tree / "src")}
        for name, command in commands(db, note).items():
            runs[f"{name} ({args.baseline})"] = (command, env)
    # Bytecode for both trees first, as an installed package has it (pip compiles at install;
    # `make` does for the editable install), so neither side pays for compiling its source.
    trees = [REPO / "src", *([tree / "src"] if args.baseline else [])]
    for source in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(source)], check=True)
    for command, env in runs.values():  # warm the page cache once
        run_measured([sys.executable, *command], env=env)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    peaks: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, (command, env) in runs.items():
            result = run_measured([sys.executable, *command], env=env)
            seconds[name].append(result.seconds)
            peaks[name].append(result.peak_mib)
    floor = median(seconds["import json"])
    rows = []
    for name in runs:
        wall = median(seconds[name])
        kind = name.split(" ")[0]
        target = TARGETS.get(kind)
        verdict = ""
        if target is not None:
            verdict = f"≤ {target:.0f}x: {'met' if wall / floor <= target else 'MISSED'}"
        peak = median(peaks[name])
        ratio = wall / floor
        rows.append(f"| {name} | {wall * 1000:,.0f} ms | {ratio:,.1f}x | {peak:,.0f} MiB | {verdict} |")
    marked = (
        f"Rows marked ({args.baseline}) run the code of commit {args.baseline} on a store it loaded itself."
        if args.baseline
        else ""
    )
    body = f"""
Data: every registry-format record of ../shared/data (7,225 trials), loaded by `trialscout load`.
Each command runs in a fresh process, {ROUNDS} rounds interleaved, after one warm-up round;
medians. Both source trees are compiled to bytecode first, as an installed package is. The
floor is `python -c "import json"` on the same interpreter in the same run.
{marked}

Commands: `trialscout search "lung cancer" --near Chicago`, `trialscout show {NCT}`, and
`trialscout match NOTE` with the first SIGIR 2016 patient description as the note.

| command | wall time | x `import json` | peak memory | target |
|---|---|---|---|---|
{chr(10).join(rows)}

Reproduce: `python -m benchmarks.cli{" --baseline " + args.baseline if args.baseline else ""}`.
"""
    page = write_page("cli", "Command-line start-up and answer time", body)
    print(page.read_text())


if __name__ == "__main__":
    main()
