"""The baselines the search benchmark compares trialscout with, each built the way a competent
user of that tool would build it.

- `Fts5`: SQLite FTS5 in a file of its own beside the store (``<store>.fts5.db``, cached between
  runs while the store is unchanged, never written into the store): a contentless FTS5 table
  over the same seven text fields as the text index, keyed by the NCT number, with bm25 weighted
  per field as ours is; a contentless one-column table over the text a patient description is
  matched against (`trialscout.search.schema.ALL_TEXT`); and the filter values in ordinary
  tables with indexes. The filters are pushed into the query and the top k is done inside
  SQLite (`KEYWORD_VARIANTS`: three ways to write it, all returning the same trials).
- `Bm25s`: the bm25s library over the same whole-trial text, tokenised by the same analyser as
  the text index (so both rank the same terms), built in the serving process.

Both read the store only through `TrialReader.index_rows`, as the index build does.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trialscout.search.documents import VIEW_DECODER, IndexView, text_fields
from trialscout.search.query import terms
from trialscout.search.schema import TEXT_FIELDS
from trialscout.store.sqlite import SQLiteStore

#: bm25 weight of each text column, in table order: the text index's field weights.
WEIGHTS = ", ".join(str(w) for w in TEXT_FIELDS.values())
#: The columns that say what a trial is about (`trialscout.search.query.ABOUT_FIELDS`): every
#: word of a keyword query must be in one of them, as in trialscout's strictest reading.
ABOUT_COLUMNS = "{title condition keyword intervention sponsor}"
TOKENIZER = "porter unicode61 remove_diacritics 2"
_WORD = re.compile(r"\w+")

#: The benchmark's five filter sets (`benchmarks.search.FILTERS`), as SQL over the facts table
#: ``t`` (its key is the FTS rowid), each as trialscout's filter reads it.
FILTER_SQL = [
    "t.status IN ('RECRUITING','NOT_YET_RECRUITING')",
    "t.min_age <= 55 AND t.max_age >= 55 AND t.sex IN ('ALL','FEMALE','UNKNOWN')",
    "t.key IN (SELECT key FROM trial_phase WHERE phase = 'PHASE3')",
    "t.key IN (SELECT key FROM trial_country WHERE country = 'United States')",
    "t.status = 'COMPLETED' AND t.has_results = 1",
]

#: Three ways to ask FTS5 for the best 20 trials that fit the filters ({where}: a filter above).
KEYWORD_VARIANTS = {
    # The FTS5 cursor drives; each match is checked against the filters by key; bm25 is
    # computed only for the matches that fit, and SQLite keeps the top 20 as it goes.
    "join, bm25() order": (
        "SELECT f.rowid FROM fts f CROSS JOIN trial t ON t.key = f.rowid"
        " WHERE fts MATCH :match AND {where} ORDER BY bm25(fts, " + WEIGHTS + ") LIMIT 20"
    ),
    # The filters as a key set the FTS5 cursor is checked against (built once per query; the
    # unary + keeps SQLite from running the MATCH once per key of the set instead).
    "rowid IN subquery": (
        "SELECT rowid FROM fts WHERE fts MATCH :match"
        " AND +rowid IN (SELECT t.key FROM trial t WHERE {where})"
        " ORDER BY bm25(fts, " + WEIGHTS + ") LIMIT 20"
    ),
    # ORDER BY rank (the weighted bm25 set as the table's rank): FTS5 sorts every match itself
    # before the filters see them.
    "join, ORDER BY rank": (
        "SELECT f.rowid FROM fts f CROSS JOIN trial t ON t.key = f.rowid"
        " WHERE fts MATCH :match AND {where} ORDER BY f.rank LIMIT 20"
    ),
}
PATIENT_SQL = "SELECT rowid FROM about WHERE about MATCH :match ORDER BY rank LIMIT 100"


def _key(nct_id: str) -> int:
    return int(nct_id[3:])


def _texts(view: IndexView) -> tuple[str, ...]:
    """The seven text fields (as `trialscout.search.documents.document_fields` fills them) and
    the whole-trial text a patient description is matched against."""
    texts = text_fields(view)
    title, conditions, interventions, sponsors, summary, criteria = texts
    return (
        title,
        "\n".join(conditions),
        "\n".join(interventions),
        "\n".join(view.keywords),
        "\n".join(sponsors),
        summary,
        criteria,
        "\n".join(texts.about(view.keywords)),
    )


def _views(db: Path) -> Iterator[IndexView]:
    with SQLiteStore(db, read_only=True) as store:
        for row in store.index_rows(0, store.last_change_seq()):
            yield VIEW_DECODER.decode(row.record)


def _store_version(db: Path) -> str:
    with SQLiteStore(db, read_only=True) as store:
        return f"{store.identity()}:{store.last_change_seq()}:{store.count()}"


def searchable_words(text: str) -> list[str]:
    """A query's words as FTS5 gets them: each whitespace-separated word, split at punctuation
    (a hyphenated word is a phrase), without the stop words the text index drops."""
    out: list[str] = []
    for token in text.split():
        words = [w for w in _WORD.findall(token) if terms(w)]
        if words:
            out.append('"' + " ".join(words) + '"')
    return list(dict.fromkeys(out))


class Fts5:
    """SQLite FTS5 built beside a store: `build` (or reuse) then query."""

    def __init__(self, db: Path) -> None:
        self.store = db
        self.path = db.with_name(db.name + ".fts5.db")

    def current(self) -> bool:
        if not self.path.exists():
            return False
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            (version,) = conn.execute("SELECT value FROM meta WHERE key = 'store'").fetchone()
            conn.close()
        except sqlite3.Error:
            return False
        return bool(version == _store_version(self.store))

    def build(self) -> dict[str, Any]:
        """Build the FTS5 file unless a current one is there; its build time either way."""
        if self.current():
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            (seconds,) = conn.execute("SELECT value FROM meta WHERE key = 'build_s'").fetchone()
            conn.close()
            return {"build_s": float(seconds), "cached": True, "mib": self.path.stat().st_size / 2**20}
        for leftover in self.path.parent.glob(self.path.name + "*"):
            leftover.unlink()
        partial = self.path.with_name(self.path.name + ".partial")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        conn = sqlite3.connect(partial, isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(
            f"""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE trial (key INTEGER PRIMARY KEY, status TEXT NOT NULL, sex TEXT NOT NULL,
                                min_age REAL NOT NULL, max_age REAL NOT NULL,
                                has_results INTEGER NOT NULL);
            CREATE TABLE trial_phase (phase TEXT, key INTEGER, PRIMARY KEY (phase, key)) WITHOUT ROWID;
            CREATE TABLE trial_country (country TEXT, key INTEGER, PRIMARY KEY (country, key))
                WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(title, condition, intervention, keyword, sponsor,
                summary, eligibility, content='', tokenize='{TOKENIZER}');
            CREATE VIRTUAL TABLE about USING fts5(text, content='', tokenize='{TOKENIZER}');
            """
        )
        conn.execute("BEGIN")
        for view in _views(self.store):
            key = _key(view.nct_id)
            e = view.eligibility
            texts = _texts(view)
            conn.execute(
                "INSERT INTO fts(rowid, title, condition, intervention, keyword, sponsor, summary,"
                " eligibility) VALUES (?,?,?,?,?,?,?,?)",
                (key, *texts[:7]),
            )
            conn.execute("INSERT INTO about(rowid, text) VALUES (?, ?)", (key, texts[7]))
            conn.execute(
                "INSERT INTO trial VALUES (?,?,?,?,?,?)",
                (
                    key,
                    view.overall_status or "UNKNOWN",
                    e.sex if e and e.sex else "UNKNOWN",
                    e.minimum_age_years if e and e.minimum_age_years is not None else 0.0,
                    e.maximum_age_years if e and e.maximum_age_years is not None else 999.0,
                    int(view.has_results),
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO trial_phase VALUES (?, ?)",
                [(p, key) for p in view.phases or ["UNKNOWN"]],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO trial_country VALUES (?, ?)",
                [(c, key) for c in {s.country for s in view.locations if s.country}],
            )
        conn.execute("COMMIT")
        conn.executescript(
            f"""
            CREATE INDEX trial_status ON trial(status, has_results);
            CREATE INDEX trial_age ON trial(min_age, max_age);
            INSERT INTO fts(fts) VALUES ('optimize');
            INSERT INTO about(about) VALUES ('optimize');
            INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25({WEIGHTS})');
            ANALYZE;
            """
        )
        seconds = time.perf_counter() - started
        conn.execute(
            "INSERT INTO meta VALUES ('store', ?), ('build_s', ?)", (_store_version(self.store), seconds)
        )
        conn.close()
        partial.rename(self.path)
        return {"build_s": seconds, "cached": False, "mib": self.path.stat().st_size / 2**20}

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB of page cache, as a server would set
        return conn


def keyword_match(text: str) -> str:
    """Every word in what the trial is about (the FTS5 spelling of trialscout's short query)."""
    return f"{ABOUT_COLUMNS} : (" + " AND ".join(searchable_words(text)) + ")"


def patient_match(text: str) -> str:
    """Any word of the description (ranked by bm25 over the whole trial's text), each word on
    its own as trialscout reads a description."""
    words = dict.fromkeys(w.lower() for w in _WORD.findall(text) if terms(w))
    return " OR ".join(f'"{w}"' for w in words)


class Bm25s:
    """bm25s over each trial's whole text (`ALL_TEXT`), tokenised by the text index's analyser."""

    def __init__(self, db: Path, k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s  # type: ignore[import-untyped]

        started = time.perf_counter()
        vocabulary: dict[str, int] = {}
        corpus: list[list[int]] = []
        self.keys: list[int] = []
        for view in _views(db):
            corpus.append([vocabulary.setdefault(t, len(vocabulary)) for t in terms(_texts(view)[7])])
            self.keys.append(_key(view.nct_id))
        vocabulary.setdefault("", len(vocabulary))  # bm25s scores an empty query against it
        self.tokenised_s = time.perf_counter() - started
        # k1 and b as tantivy's BM25 (the text index) uses them; Lucene's idf and tf, as tantivy.
        self.retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        self.retriever.index((corpus, vocabulary), show_progress=False)
        self.vocabulary = vocabulary
        self.build_s = time.perf_counter() - started

    def search(self, text: str, k: int = 100) -> list[int]:
        """The keys of the ``k`` best trials for a description (bm25s's own top k)."""
        tokens = [t for t in dict.fromkeys(terms(text)) if t in self.vocabulary] or [""]
        found, _ = self.retriever.retrieve([tokens], k=k, show_progress=False)
        return [self.keys[i] for i in found[0].tolist()]
