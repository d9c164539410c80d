"""Search speed and memory, on the real records and on 400,000+ trials, beside SQLite FTS5.

For each corpus (the real registry records of ../shared/data; the synthetic registry of
`benchmarks.corpus`: the real records copied under NCT9xxxxxxx IDs to 404,600 trials):

- index build: `SearchIndex.update(store, rebuild=True)` in a fresh process (wall time, peak
  memory);
- serving, in a fresh process that opens `TrialSearch` and answers, three times each:
  keyword queries with filters (page of 20), the same with facets, the same within 50 miles of
  a city, and whole patient descriptions (SIGIR 2016 and TREC CT 2022 topics, top 100);
  it reports latency percentiles and its peak resident memory;
- baseline: SQLite FTS5 (porter tokenizer, bm25) over the same text fields, in a fresh process,
  answering the same keyword queries (all words, with the same filters joined from the store)
  and the same patient descriptions (any word, top 100).

    python -m benchmarks.search            # writes docs/benchmarks/search.md
"""

from __future__ import annotations

import json
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import DATA, WORK, run_measured, write_page
from benchmarks.corpus import real_store, synthetic_store

REPEATS = 3
#: FTS5 answers a patient description in seconds at 400k trials; one pass is enough to compare.
FTS_REPEATS = 1
KEYWORDS = [
    "breast cancer",
    "asthma",
    "non-small cell lung cancer",
    "pembrolizumab",
    "type 2 diabetes",
    "depression",
    "HIV",
    "heart failure",
    "stroke",
    "alzheimer disease",
    "COVID-19",
    "obesity",
    "prostate cancer",
    "rheumatoid arthritis",
    "multiple sclerosis",
    "melanoma",
    "hepatitis C",
    "schizophrenia",
    "chronic pain",
    "influenza vaccine",
    "leukemia",
    "colorectal cancer",
    "atrial fibrillation",
    "psoriasis",
    "smoking cessation",
    "kidney transplant",
    "sickle cell",
    "ovarian cancer",
    "migraine",
    "osteoporosis",
]
FILTERS: list[dict[str, Any]] = [
    {"statuses": ("RECRUITING", "NOT_YET_RECRUITING")},
    {"age": 55.0, "sex": "FEMALE"},
    {"phases": ("3",)},
    {"country": "United States"},
    {"statuses": ("COMPLETED",), "has_results": True},
]
CITIES = ["Chicago", "Boston", "Houston", "Paris, France", "Toronto", "Seattle", "Lyon, France", "Atlanta"]
FTS_FILTERS = [
    "t.overall_status IN ('RECRUITING','NOT_YET_RECRUITING')",
    "coalesce(t.minimum_age_years,0) <= 55 AND coalesce(t.maximum_age_years,999) >= 55"
    " AND coalesce(t.sex,'ALL') IN ('ALL','FEMALE')",
    "'|' || t.phases || '|' LIKE '%|PHASE3|%'",
    "EXISTS (SELECT 1 FROM sites s WHERE s.nct_id = t.nct_id AND s.country = 'United States')",
    "t.overall_status = 'COMPLETED' AND t.has_results = 1",
]


def patients() -> list[str]:
    texts = []
    for name in ("sigir", "trec_2022"):
        with (DATA / "trialgpt" / "dataset" / name / "queries.jsonl").open() as handle:
            texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
        "n": len(ordered),
    }


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


# --- the serving processes ---------------------------------------------------------------


def serve_trialscout(db: Path) -> dict[str, Any]:
    from trialscout.search.engine import TrialSearch
    from trialscout.search.query import parse
    from trialscout.search.results import SearchRequest
    from trialscout.store.sqlite import SQLiteStore

    opened = time.perf_counter()
    store = SQLiteStore(db)
    search = TrialSearch(store)
    first = timed(lambda: search.search(SearchRequest(query="asthma")))
    open_ms = (time.perf_counter() - opened) * 1000
    search.search(SearchRequest(near="Chicago", radius="50mi"))  # loads the gazetteer once
    runs: dict[str, list[float]] = {"keyword": [], "keyword_facets": [], "keyword_radius": [], "patient": []}
    radius_added: list[float] = []
    descriptions = patients()
    for _ in range(REPEATS):
        for n, words in enumerate(KEYWORDS):
            filters = FILTERS[n % len(FILTERS)]
            plain = timed(lambda: search.search(SearchRequest(query=words, **filters)))
            runs["keyword"].append(plain)
            runs["keyword_facets"].append(
                timed(lambda: search.search(SearchRequest(query=words, facets=True, **filters)))
            )
            near = timed(
                lambda: search.search(
                    SearchRequest(query=words, near=CITIES[n % len(CITIES)], radius="50mi", **filters)
                )
            )
            runs["keyword_radius"].append(near)
            radius_added.append(near - plain)
        for text in descriptions:
            runs["patient"].append(timed(lambda: search.search(SearchRequest(query=text, per_page=100))))
    terms = [len(parse(t).words) for t in descriptions]
    return {
        "open_and_first_query_ms": open_ms,
        "first_query_ms": first,
        "latency": {k: percentiles(v) for k, v in runs.items()},
        "radius_added": percentiles(radius_added),
        "patient_terms": {"median": statistics.median(terms), "min": min(terms), "max": max(terms)},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def fts_path(db: Path) -> Path:
    return db.with_name(db.stem + ".fts5.db")


def build_fts(db: Path) -> dict[str, Any]:
    """An FTS5 table over the same text fields the text index searches."""
    from trialscout.search.documents import VIEW_DECODER

    target = fts_path(db)
    for leftover in target.parent.glob(target.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(nct_id UNINDEXED, title, condition, intervention, keyword,"
        " sponsor, summary, eligibility, tokenize='porter unicode61 remove_diacritics 2')"
    )
    source = sqlite3.connect(db)
    rows = []
    for (record,) in source.execute("SELECT record FROM trials"):
        v = VIEW_DECODER.decode(record)
        e = v.eligibility
        rows.append(
            (
                v.nct_id,
                " ".join(t for t in (v.brief_title, v.official_title, v.acronym) if t),
                " ".join([*v.conditions, *(m.term for m in v.condition_mesh_terms)]),
                " ".join([*(i.name for i in v.interventions), *(m.term for m in v.intervention_mesh_terms)]),
                " ".join(v.keywords),
                " ".join(s.name for s in (v.lead_sponsor, *v.collaborators) if s),
                " ".join(t for t in (v.brief_summary, v.detailed_description) if t),
                e.criteria if e and e.criteria else "",
            )
        )
        if len(rows) == 5000:
            conn.executemany("INSERT INTO fts VALUES (?,?,?,?,?,?,?,?)", rows)
            rows.clear()
    conn.executemany("INSERT INTO fts VALUES (?,?,?,?,?,?,?,?)", rows)
    conn.commit()
    conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    conn.commit()
    return {"build_s": time.perf_counter() - started}


def serve_fts(db: Path) -> dict[str, Any]:
    from trialscout.search.query import terms

    conn = sqlite3.connect(fts_path(db))
    conn.execute("ATTACH DATABASE ? AS store", (str(db),))

    def words(text: str) -> list[str]:
        return [w for w in dict.fromkeys(terms(text)) if w.isalnum()]

    def keyword(text: str, where: str) -> None:
        match = " AND ".join(f'"{w}"' for w in words(text))
        conn.execute(
            "SELECT f.nct_id FROM fts f JOIN store.trials t ON t.nct_id = f.nct_id"
            f" WHERE fts MATCH ? AND {where} ORDER BY f.rank LIMIT 20",
            (match,),
        ).fetchall()

    def patient(text: str) -> None:
        match = " OR ".join(f'"{w}"' for w in words(text))
        conn.execute("SELECT nct_id FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 100", (match,)).fetchall()

    runs: dict[str, list[float]] = {"keyword": [], "patient": []}
    descriptions = patients()
    for _ in range(FTS_REPEATS):
        for n, text in enumerate(KEYWORDS):
            runs["keyword"].append(timed(lambda: keyword(text, FTS_FILTERS[n % len(FTS_FILTERS)])))
        for text in descriptions:
            runs["patient"].append(timed(lambda: patient(text)))
    return {
        "latency": {k: percentiles(v) for k, v in runs.items()},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def build_index(db: Path) -> dict[str, Any]:
    from trialscout.search.index import SearchIndex
    from trialscout.store.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        report = SearchIndex.update(store, rebuild=True)
    return {"seconds": report.seconds, "trials": report.total, "sites": report.sites}


# --- the driver ----------------------------------------------------------------------------


def in_fresh_process(step: str, db: Path) -> tuple[dict[str, Any], float, float]:
    result = run_measured([sys.executable, "-m", "benchmarks.search", step, str(db)])
    return json.loads(result.stdout), result.seconds, result.peak_mib


def measure(name: str, db: Path) -> dict[str, Any]:
    build, build_wall, build_peak = in_fresh_process("build-index", db)
    fts_build, _, _ = in_fresh_process("build-fts", db)
    served, _, serve_peak = in_fresh_process("serve", db)
    fts, _, fts_peak = in_fresh_process("serve-fts", db)
    return {
        "name": name,
        "build": build | {"wall_s": build_wall, "peak_mib": build_peak},
        "fts_build": fts_build,
        "serve": served | {"tree_peak_mib": serve_peak},
        "fts": fts | {"tree_peak_mib": fts_peak},
    }


def page(results: list[dict[str, Any]]) -> str:
    lines = [
        "Targets (issue 3), on 400,000+ trials: keyword query with filters p95 ≤ 20 ms; a whole",
        "patient description as the query, top 100, p95 ≤ 150 ms; a radius filter adds ≤ 10 ms;",
        "index build ≤ 5 minutes; resident memory while serving ≤ 1.5 GB.",
        "",
        "Corpora: *real* = every registry-format record in ../shared/data (7,225 trials, 81k sites);",
        "*synthetic 400k* = those records copied under synthetic NCT9xxxxxxx IDs to 404,600 trials",
        "and 4.6M sites (`benchmarks/corpus.py`; the text, dates, statuses and sites are the real ones,",
        "so every word has 56 copies). Latencies are end to end through `TrialSearch.search` (query,",
        "filters, ranking, the page's cards from SQLite, nearest sites), each query run",
        f"{REPEATS} times in one warm process. Keyword queries: {len(KEYWORDS)} conditions and drugs,",
        "each with one of five filter sets (status; age 55 + female; phase 3; a US site; completed",
        "with results).",
        "Radius: the same queries within 50 miles of one of eight cities. Patient descriptions: the",
        "SIGIR 2016 and TREC CT 2022 topics (109 texts). Baseline: SQLite FTS5 (porter, bm25) over",
        f"the same fields, the same queries and filters, in the same run ({FTS_REPEATS} pass).",
        "",
        "| | corpus | median (ms) | p95 (ms) | max (ms) | FTS5 p95 (ms) | FTS5 / trialscout (p95) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lat, fts = r["serve"]["latency"], r["fts"]["latency"]
        for key, title in (
            ("keyword", "keyword + filters, page of 20"),
            ("keyword_facets", "keyword + filters + facets"),
            ("keyword_radius", "keyword + filters within 50 mi"),
            ("patient", "patient description, top 100"),
        ):
            baseline = fts.get(key)
            ratio = f"{baseline['p95'] / lat[key]['p95']:.1f}x" if baseline else ""
            base = f"{baseline['p95']:.1f}" if baseline else ""
            lines.append(
                f"| {title} | {r['name']} | {lat[key]['median']:.1f} | {lat[key]['p95']:.1f} "
                f"| {lat[key]['max']:.1f} | {base} | {ratio} |"
            )
    lines += [
        "",
        "| corpus | radius adds, median (ms) | radius adds, p95 (ms) | patient terms (median, range) |",
        "|---|---:|---:|---|",
    ]
    for r in results:
        added, t = r["serve"]["radius_added"], r["serve"]["patient_terms"]
        lines.append(
            f"| {r['name']} | {added['median']:.1f} | {added['p95']:.1f} "
            f"| {t['median']:.0f} ({t['min']}-{t['max']}) |"
        )
    lines += [
        "",
        "| corpus | index build (s) | build peak (MiB) | FTS5 build (s) | serving peak (MiB)"
        " | FTS5 serving peak (MiB) | open + first query (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, s = r["build"], r["serve"]
        lines.append(
            f"| {r['name']} | {b['wall_s']:.0f} | {b['peak_mib']:.0f} | {r['fts_build']['build_s']:.0f} "
            f"| {s['tree_peak_mib']:.0f} | {r['fts']['tree_peak_mib']:.0f} "
            f"| {s['open_and_first_query_ms']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    results = [measure("real", real_store()), measure("synthetic 400k", synthetic_store())]
    (WORK / "search-results.json").write_text(json.dumps(results, indent=2))
    written = write_page("search", "Search speed and memory", page(results))
    print(written.read_text())


if __name__ == "__main__":
    if len(sys.argv) == 3:
        step, database = sys.argv[1], Path(sys.argv[2])
        steps = {
            "serve": serve_trialscout,
            "serve-fts": serve_fts,
            "build-fts": build_fts,
            "build-index": build_index,
        }
        print(json.dumps(steps[step](database)))
    else:
        main()
