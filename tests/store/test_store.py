"""The store keeps the most recent version of each trial, loses nothing, and re-runs cleanly."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.conftest import AACT, NSCLC, TODAY, sql
from trialscout.eligibility.model import PARSER_VERSION, Criterion
from trialscout.model.recruitment import RecruitmentGrade, check_recruitment
from trialscout.store.base import Outcome
from trialscout.store.criteria import update_parsed_criteria
from trialscout.store.load import load_paths
from trialscout.store.records import record_json
from trialscout.store.schema import MIGRATIONS, _statements
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())


def write(path: Path, studies: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(studies))
    return path


def with_update(study: dict[str, Any], date: str, title: str) -> dict[str, Any]:
    changed = copy.deepcopy(study)
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = date
    changed["protocolSection"]["identificationModule"]["briefTitle"] = title
    return changed


def test_loading_twice_changes_nothing(store: SQLiteStore) -> None:
    first = load_paths(store, [NSCLC], today=TODAY, workers=0)
    second = load_paths(store, [NSCLC], today=TODAY, workers=0)
    assert (first.new, first.unchanged) == (100, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 100)
    assert store.count() == 100


def test_a_newer_version_replaces_and_an_older_one_does_not(store: SQLiteStore, tmp_path: Path) -> None:
    study = STUDIES[0]
    nct = study["protocolSection"]["identificationModule"]["nctId"]
    original = study["protocolSection"]["identificationModule"]["briefTitle"]
    load_paths(store, [write(tmp_path / "a.json", [study])], today=TODAY, workers=0)

    older = load_paths(
        store, [write(tmp_path / "b.json", [with_update(study, "2020-01-01", "Old title")])], workers=0
    )
    assert older.superseded == 1
    assert store.trial(nct).brief_title == original

    newer = load_paths(
        store, [write(tmp_path / "c.json", [with_update(study, "2026-10-01", "New title")])], workers=0
    )
    assert newer.updated == 1
    assert store.trial(nct).brief_title == "New title"
    # Loading the original again does not roll the trial back.
    again = load_paths(store, [tmp_path / "a.json"], workers=0)
    assert again.superseded == 1
    assert store.trial(nct).brief_title == "New title"


def test_two_versions_in_one_batch_keep_the_newest(store: SQLiteStore, tmp_path: Path) -> None:
    study = STUDIES[1]
    nct = study["protocolSection"]["identificationModule"]["nctId"]
    path = write(
        tmp_path / "both.json",
        [with_update(study, "2026-10-01", "Newest"), with_update(study, "2021-01-01", "Older")],
    )
    report = load_paths(store, [path], workers=0)
    assert (report.new, report.superseded) == (1, 1)
    assert store.trial(nct).brief_title == "Newest"


def test_the_original_record_is_kept_byte_for_byte(store: SQLiteStore, tmp_path: Path) -> None:
    source = AACT / "json_v2" / "NCT00763412.json"
    load_paths(store, [source], workers=0)
    fmt, data = store.raw_record("NCT00763412")
    assert data == source.read_bytes()
    assert fmt.value == "ctgov-api-v2-json"


def test_sites_are_stored_with_coordinates(store: SQLiteStore) -> None:
    load_paths(store, [NSCLC], today=TODAY, workers=0)
    conn = sqlite3.connect(store.path)
    stored = conn.execute("SELECT count(*), count(latitude) FROM sites").fetchone()
    listed = sum(
        len(s["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])) for s in STUDIES
    )
    geo = sum(
        1
        for s in STUDIES
        for loc in s["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
        if "geoPoint" in loc
    )
    assert stored == (listed, geo) == (959, 941)


def test_schema_migrations_are_recorded_once_and_the_store_uses_wal(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    SQLiteStore(db).close()
    SQLiteStore(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(v,) for v in range(1, 7)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_organizations_migration_fills_in_a_store_made_before_it(tmp_path: Path) -> None:
    """A store loaded by a trialscout without the organizations table gets it filled from its
    records by `trialscout migrate`, as a fresh load fills it."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    with SQLiteStore(fresh) as store:
        load_paths(store, [NSCLC], today=TODAY, workers=0)
    shutil.copy(fresh, old)
    with sqlite3.connect(old) as conn:
        _records_as_text(conn)  # as every store made before migration 6 kept them
        conn.execute("DROP TABLE organizations")
        conn.execute("DELETE FROM schema_migrations WHERE version = 4")
    SQLiteStore(old).close()  # the writer migrates
    query = "SELECT nct_id, name, role FROM organizations ORDER BY 1, 2"
    with sqlite3.connect(fresh) as a, sqlite3.connect(old) as b:
        rows = a.execute(query).fetchall()
        assert rows == b.execute(query).fetchall()
    assert {role for _, _, role in rows} == {"lead", "collaborator"}


def test_the_grade_migration_grades_a_store_made_before_it(tmp_path: Path) -> None:
    """A store made before trials.stale_grade gets every trial graded as it is opened for
    writing, the same grades a fresh load stores."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    with SQLiteStore(fresh) as store:
        load_paths(store, [NSCLC], today=TODAY, workers=0)
    shutil.copy(fresh, old)
    with sqlite3.connect(old) as conn:
        conn.execute("ALTER TABLE trials DROP COLUMN stale_grade")
        conn.execute("DELETE FROM schema_migrations WHERE version = 5")
    with sqlite3.connect(old) as conn:
        seq_before = conn.execute("SELECT max(change_seq) FROM trials").fetchone()[0]
    SQLiteStore(old).close()  # the writer migrates
    with sqlite3.connect(old) as conn:
        # the flags the index holds did not change, so nothing is left for the index to redo
        assert conn.execute("SELECT max(change_seq) FROM trials").fetchone()[0] == seq_before
    query = "SELECT nct_id, stale_grade, possibly_stale FROM trials ORDER BY 1"
    with sqlite3.connect(fresh) as a, sqlite3.connect(old) as b:
        rows = a.execute(query).fetchall()
        assert rows == b.execute(query).fetchall()
    grades = {grade for _, grade, _ in rows}
    assert grades == {"current", "not-confirmed-recently", "probably-closed", "not-applicable"}
    with SQLiteStore(old, read_only=True) as store:
        nct = next(nct for nct, grade, _ in rows if grade == "probably-closed")
        assert store.get(nct).recruitment_check.grade is RecruitmentGrade.PROBABLY_CLOSED
        assert store.cards([nct])[nct].stale_grade == "probably-closed"


def test_the_compact_storage_migration_keeps_every_parsed_criterion(tmp_path: Path) -> None:
    """A store made before migration 6 kept each criterion as a row of the criteria table and
    each record as JSON text. Opened for writing, its criteria become one blob per trial, the
    table goes, and every trial and criterion reads back as before; records it already holds
    as text still read."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    with SQLiteStore(fresh) as store:
        load_paths(store, [NSCLC], today=TODAY, workers=0)
        update_parsed_criteria(store, workers=0)
        parsed = {n: store.stored_criteria(n, PARSER_VERSION) for n in store.nct_ids()}
        trials = {n: store.trial(n) for n in store.nct_ids()}
    shutil.copy(fresh, old)
    with sqlite3.connect(old) as conn:  # back to the schema and rows of migration 5
        (create,) = [q for q in _statements(MIGRATIONS[1].sql) if q.startswith("CREATE TABLE criteria")]
        conn.execute(create)
        conn.execute(MIGRATIONS[2].sql)  # its structure column
        for nct_id, found in parsed.items():
            assert found is not None
            conn.executemany(
                f"INSERT INTO criteria VALUES ({','.join('?' * 15)})",
                [(nct_id, n, *_old_criterion_row(c)) for n, c in enumerate(found.criteria)],
            )
        conn.execute("ALTER TABLE parsed_eligibility DROP COLUMN criteria_blob")
        conn.execute("DELETE FROM schema_migrations WHERE version = 6")
        _records_as_text(conn)
    SQLiteStore(old).close()  # the writer migrates
    assert not sql(old, "SELECT name FROM sqlite_master WHERE name = 'criteria'")
    assert sql(old, "SELECT count(*) FROM trials WHERE typeof(record) = 'text'")[0][0] == len(trials)
    with SQLiteStore(old, read_only=True) as store:
        assert {n: store.stored_criteria(n, PARSER_VERSION) for n in store.nct_ids()} == parsed
        assert store.trials(list(trials)) == trials
        assert store.stored_criteria_many(list(parsed), PARSER_VERSION) == parsed


def _records_as_text(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT nct_id, record FROM trials").fetchall()
    conn.executemany(
        "UPDATE trials SET record = ? WHERE nct_id = ?", [(record_json(r).decode(), n) for n, r in rows]
    )


def _old_criterion_row(c: Criterion) -> tuple[object, ...]:
    """A criterion as the criteria table of migrations 2-5 held it."""
    structure = {
        k: v
        for k, v in {
            "groups": c.groups,
            "scope": c.scope,
            "alternative_to": c.alternative_to,
            "plain_original": c.plain_original,
        }.items()
        if v
    }
    rule_types = "|".join(dict.fromkeys(str(type(r).__struct_config__.tag) for r in c.rules)) or None
    encode = msgspec.json.encode
    return (
        c.id,
        c.kind.value,
        c.role.value,
        c.parent,
        c.topic,
        c.span.start,
        c.span.end,
        c.text,
        c.plain,
        rule_types,
        encode(c.exceptions).decode(),
        encode(c.rules).decode(),
        encode(structure).decode(),
    )


def test_parallel_and_in_process_loads_store_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trialscout.store.load as load_module

    monkeypatch.setattr(load_module, "_INLINE_FIRST", 10)  # so that 90 of the 100 go through the pool
    with SQLiteStore(tmp_path / "one.db") as one, SQLiteStore(tmp_path / "two.db") as two:
        a = load_paths(one, [NSCLC], today=TODAY, workers=0)
        b = load_paths(two, [NSCLC], today=TODAY, workers=2)
        assert (a.new, b.new) == (100, 100)
        for nct in one.nct_ids():
            assert one.trial(nct) == two.trial(nct)


def test_outcomes_have_user_facing_names() -> None:
    assert [o.value for o in Outcome] == ["new", "updated", "unchanged", "superseded"]


def test_recruitment_checks_are_stored_and_judged_by_the_copy_date(store: SQLiteStore) -> None:
    load_paths(store, [NSCLC], today=dt.date(2025, 12, 10), workers=0)
    conn = sqlite3.connect(store.path)
    query = "SELECT nct_id FROM trials WHERE possibly_stale=1 ORDER BY nct_id"
    flagged_then = [row[0] for row in conn.execute(query)]
    # The export was made on 2025-12-09: a later "today" cannot make its records any older,
    # so a refresh two years on flags exactly the same trials (issue 14: judge the copy's date).
    store.refresh_recruitment_checks(dt.date(2028, 1, 1))
    flagged_later = [row[0] for row in conn.execute(query)]
    assert flagged_later == flagged_then
    later = dt.date(2028, 1, 1)
    checks = {nct: check_recruitment(store.trial(nct), later) for nct in store.nct_ids()}
    expected = sorted(nct for nct, check in checks.items() if check.possibly_stale)
    assert flagged_then == expected
    # 18 of the 36 open trials: probably closed or not confirmed within a year of the copy.
    open_trials = conn.execute(
        "SELECT count(*) FROM trials"
        " WHERE overall_status IN ('RECRUITING','NOT_YET_RECRUITING','ENROLLING_BY_INVITATION')"
    ).fetchone()[0]
    assert (len(flagged_then), open_trials) == (18, 36)


def test_a_parallel_load_after_reading_the_same_archive_here_stores_everything(tmp_path: Path) -> None:
    # Regression: a zip opened in this process was inherited by forked workers, which then
    # shared one file offset and read corrupted members.
    from tests.conftest import XML_SLICE
    from trialscout.sources.files import ArchivedRecord, iter_source

    first = next(i for i in iter_source([XML_SLICE]) if isinstance(i, ArchivedRecord))
    assert first.read().data.startswith(b"<clinical_study")
    with SQLiteStore(tmp_path / "fork.db") as s:
        report = load_paths(s, [XML_SLICE], today=TODAY, workers=2)
    assert (report.new, len(report.rejected)) == (6786, 0)


def test_one_writer_at_a_time_and_readers_beside_it(tmp_path: Path) -> None:
    from trialscout.errors import StoreError

    db = tmp_path / "locked.db"
    with SQLiteStore(db) as writer:
        load_paths(writer, [NSCLC], today=TODAY, workers=0)
        with pytest.raises(StoreError, match="another trialscout process is writing"):
            SQLiteStore(db)
        with SQLiteStore(db, read_only=True) as reader:
            assert reader.count() == 100
    with SQLiteStore(db) as again:  # the lock went with the first writer
        assert again.count() == 100
