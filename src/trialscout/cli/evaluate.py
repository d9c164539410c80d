"""`trialscout eval`: how well each ranker orders the trials judged for benchmark patients."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import msgspec
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.errors import BenchmarkInputError
from trialscout.evaluation.benchmark import (
    BENCHMARKS,
    BOOTSTRAP_RESAMPLES,
    EvaluationReport,
    Interval,
    RankerScores,
    benchmark_files,
    check_expected,
    load_expected,
    metric_names,
    run_benchmark,
)
from trialscout.evaluation.rankers import (
    ABLATION_METRICS,
    DEFAULT_RANKERS,
    RANKERS,
    Ablation,
    ablation_markdown,
    run_ablation,
)

_HEADINGS = {
    "ndcg@10": "nDCG@10",
    "p@10": "P@10",
    "recall@10": "R@10",
    "recall@25": "R@25",
    "auroc": "AUROC",
    "auroc_per_patient": "AUROC/patient",
}


@cli.command("eval")
@click.argument("benchmark", required=False, type=click.Choice([*BENCHMARKS, "all"]))
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="The shared data folder (default: $TRIALSCOUT_DATA, else ../shared/data).",
)
@click.option(
    "--queries",
    type=click.Path(dir_okay=False, path_type=Path),
    help='Patients of your own benchmark: JSON lines {"_id", "text"}.',
)
@click.option(
    "--qrels",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Judgments of your own benchmark: 'query-id corpus-id score' lines (0, 1 excluded, 2 eligible).",
)
@click.option(
    "--corpus",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Trial texts: TrialGPT JSON lines, registry files or folders, a .db store (repeatable).",
)
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each ranker's TREC run file here (<benchmark>-<ranker>.run).",
)
@click.option(
    "--check/--no-check",
    default=False,
    help="Exit 1, listing them, when scores drop below expected_scores.json.",
)
@click.option("--json", "as_json", is_flag=True, help="The reports as JSON, per patient too.")
@click.option(
    "--ranker",
    "rankers",
    multiple=True,
    metavar="NAME",
    help=f"A ranker to evaluate beside bm25 (repeatable; known: {', '.join(sorted(RANKERS))};"
    f" default: {', '.join(DEFAULT_RANKERS)}).",
)
@click.option(
    "--ablation",
    is_flag=True,
    help="Run trialscout's ranker with each part of its score switched off in turn (and the text"
    " alone), beside BM25: nDCG@10 with its interval against all parts, P@10, AUROC.",
)
@click.option("--markdown", is_flag=True, help="With --ablation: the tables as markdown, for the docs.")
@click.pass_obj
def eval_command(
    obj: Context,
    benchmark: str | None,
    data: Path | None,
    queries: Path | None,
    qrels: Path | None,
    corpus: tuple[Path, ...],
    run_dir: Path | None,
    check: bool,
    as_json: bool,
    rankers: tuple[str, ...],
    ablation: bool,
    markdown: bool,
) -> None:
    """Re-rank each benchmark patient's judged trials that have text; score every ranker
    beside the BM25 baseline: nDCG@10, P@10 and recall of eligible trials, AUROC of
    eligible against excluded.

    The named benchmarks (sigir, trec_2022; default all) read ../shared/data; --queries and
    --qrels run any benchmark in the same formats. nDCG@10 comes with a 95% interval from a
    seeded per-patient bootstrap, and so does its paired difference from BM25.

    \b
    Examples:
      trialscout eval sigir
      trialscout eval all --check --run-dir runs/
      trialscout eval all --ablation --markdown
      trialscout eval --queries patients.jsonl --qrels qrels.tsv --corpus trials.jsonl
    """
    if markdown and not ablation:
        click.echo(
            "Error: --markdown goes with --ablation (trialscout eval all --ablation --markdown).", err=True
        )
        sys.exit(2)
    if ablation:
        if rankers or check:
            click.echo(
                "Error: --ablation runs trialscout's own variants; leave out --ranker and --check.", err=True
            )
            sys.exit(2)
        _ablation(obj, benchmark, data, queries, qrels, corpus, run_dir, as_json, markdown)
        return
    try:
        reports = []
        for files in benchmark_files(benchmark, root=data, queries=queries, qrels=qrels, corpus=corpus):
            with obj.err.status(f"Evaluating {files.name} ..."):
                reports.append(
                    run_benchmark(files, rankers or DEFAULT_RANKERS, registry=RANKERS, run_dir=run_dir)
                )
        expected = load_expected() if check else None
    except BenchmarkInputError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(2)
    for report in reports:
        for problem in report.problems:
            obj.err.print(f"Warning: {problem}", soft_wrap=True)
    if as_json:
        payload = [msgspec.to_builtins(r) for r in reports]
        click.echo(msgspec.json.format(msgspec.json.encode(payload)).decode())
    else:
        for n, report in enumerate(reports):
            if n:
                obj.out.print()
            obj.out.print(render_report(report))
    if expected is not None:
        failures = [line for report in reports for line in check_expected(report, expected)]
        if failures:
            obj.err.print("Scores below expected:", style="bold red")
            for line in failures:
                obj.err.print(f"  {line}", soft_wrap=True)
            sys.exit(1)
        obj.err.print("All checked scores are at or above expected.")


def _ablation(
    obj: Context,
    benchmark: str | None,
    data: Path | None,
    queries: Path | None,
    qrels: Path | None,
    corpus: tuple[Path, ...],
    run_dir: Path | None,
    as_json: bool,
    markdown: bool,
) -> None:
    try:
        ablations = []
        for files in benchmark_files(benchmark, root=data, queries=queries, qrels=qrels, corpus=corpus):
            with obj.err.status(f"Ablation on {files.name} ..."):
                ablations.append(run_ablation(files, run_dir=run_dir))
    except BenchmarkInputError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(2)
    if as_json:
        payload = [msgspec.to_builtins(a) for a in ablations]
        click.echo(msgspec.json.format(msgspec.json.encode(payload)).decode())
    elif markdown:
        click.echo(ablation_markdown(ablations), nl=False)
    else:
        for n, one in enumerate(ablations):
            if n:
                obj.out.print()
            obj.out.print(render_ablation(one))


def render_ablation(ablation: Ablation) -> RenderableType:
    c = ablation.coverage
    head = Text(f"{ablation.benchmark}", style="bold")
    head.append(
        f"  ablation: {c.queries_scored} patients, {c.pairs_with_text:,} judged pairs with text", style=""
    )
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("variant")
    table.add_column("nDCG@10", justify="right")
    table.add_column("95%", justify="right")
    table.add_column("vs all", justify="right")
    table.add_column("95%", justify="right")
    for name in ABLATION_METRICS[1:]:
        table.add_column(_HEADINGS.get(name, name), justify="right")
    for row in ablation.rows:
        own, diff = row.ndcg_interval, row.vs_all
        table.add_row(
            row.variant,
            _number(row.metrics.get(ABLATION_METRICS[0])),
            _span(own),
            "-" if diff is None else f"{diff.mean:+.3f}",
            _span(diff, signed=True),
            *(_number(row.metrics.get(name)) for name in ABLATION_METRICS[1:]),
            style="dim" if row.components is None else "",
        )
    note = Text(
        "Each variant switches off one part of the score (the ranking's Components); 'text only' keeps"
        " the text relevance alone. Intervals: 95%, a seeded bootstrap over patients; 'vs all' is the"
        " paired difference from all parts on, per patient; 'without closed_world' is what eval ranks"
        " with by default. The benchmarks give no place, so distance"
        f" changes nothing. {ablation.seconds:.1f} s.",
        style="dim",
    )
    return Group(head, table, note)


def _intervals(scores: RankerScores, baseline: str) -> str:
    words = f"{scores.ranker} {_span(scores.ndcg_interval)}"
    if scores.vs_baseline is not None:
        words += f", vs {baseline} {_span(scores.vs_baseline, signed=True)}"
    return words


def _span(interval: Interval | None, *, signed: bool = False) -> str:
    if interval is None:
        return "-"
    return (
        f"{interval.low:+.3f}..{interval.high:+.3f}" if signed else f"{interval.low:.3f}..{interval.high:.3f}"
    )


def render_report(report: EvaluationReport) -> RenderableType:
    c = report.coverage
    origins = ", ".join(f"{n:,} {origin}" for origin, n in c.candidates_by_origin.items())
    head = Text(f"{report.benchmark}", style="bold")
    head.append(
        f"  {c.queries} patients, {c.pairs_with_text:,} of {c.judged_pairs:,} judged pairs with text"
        f" ({c.text_share:.1%}; {origins}): {c.eligible_pairs} eligible, {c.excluded_pairs} excluded",
        style="",
    )
    names = metric_names()
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("ranker")
    for name in names:
        table.add_column(_HEADINGS.get(name, name), justify="right")
    base = report.scores(report.baseline)
    chance = report.random
    if chance is not None:
        table.add_row(
            f"random ({chance.orders})", *(_number(chance.metrics.get(name)) for name in names), style="dim"
        )
    for scores in report.rankers:
        table.add_row(scores.ranker, *(_number(scores.metrics.get(name)) for name in names))
        if base is not None and scores is not base:
            table.add_row(
                f"  vs {base.ranker}",
                *(_difference(scores.metrics.get(name), base.metrics.get(name)) for name in names),
                style="dim",
            )
    notes = [
        f"nDCG over {c.queries_scored} patients with a candidate judged 1 or 2; P@10 and recall (R) of"
        f" eligible trials over {c.queries_with_eligible} with an eligible one; AUROC of eligible against"
        f" excluded over all pairs, and its mean over {c.queries_with_both} patients with both;"
        f" under each ranker, its difference from {report.baseline}.",
        f"nDCG@10, 95% intervals ({BOOTSTRAP_RESAMPLES:,} seeded resamples of the patients): "
        + "; ".join(_intervals(scores, report.baseline) for scores in report.rankers)
        + ".",
    ]
    if chance is not None:
        low, high = chance.low.get(names[0]), chance.high.get(names[0])
        notes.append(
            f"random: each patient's candidates in a random order, the mean of {chance.orders} seeded"
            f" orders ({_HEADINGS[names[0]]} {_number(low)} to {_number(high)}): the chance level of"
            " these pools."
        )
    if report.corpus is not None:
        k = report.corpus
        notes.append(
            f"Corpus: {k.trials:,} judged trials with text ("
            + ", ".join(f"{n:,} {origin}" for origin, n in k.origins.items() if n)
            + f"; {k.replaced_trialgpt} TrialGPT texts replaced by registry records),"
            f" {k.rejected} unreadable records skipped."
        )
    notes.append(
        f"{report.seconds:.1f} s"
        + "".join(f"; {s.ranker} {s.seconds:.1f} s" for s in report.rankers)
        + (f"; run files: {', '.join(report.run_files)}" if report.run_files else "")
    )
    return Group(head, table, *(Text(note, style="dim") for note in notes))


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _difference(value: float | None, baseline: float | None) -> str:
    return "-" if value is None or baseline is None else f"{value - baseline:+.3f}"
