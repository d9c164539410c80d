"""The store's schema, as numbered migrations recorded in the `schema_migrations` table.

A migration runs once, inside a transaction, and is recorded with the time it ran. Add new
migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import NamedTuple


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "trials, sites, conditions, interventions and state",
        """
        CREATE TABLE trials (
            nct_id TEXT PRIMARY KEY,
            brief_title TEXT,
            official_title TEXT,
            acronym TEXT,
            overall_status TEXT,
            phases TEXT,                   -- '|'-joined API v2 tokens, e.g. 'PHASE2|PHASE3'
            study_type TEXT,
            start_date TEXT,               -- ISO, of the precision the registry gave
            primary_completion_date TEXT,
            completion_date TEXT,
            last_update TEXT,              -- the registry's last update posted date
            has_results INTEGER NOT NULL,
            enrollment INTEGER,            -- NULL when unknown (including the 99999999 sentinel)
            enrollment_type TEXT,
            minimum_age_years REAL,        -- NULL when the registry sets no limit
            maximum_age_years REAL,
            sex TEXT,
            healthy_volunteers INTEGER,
            lead_sponsor TEXT,
            source_format TEXT NOT NULL,
            source_file TEXT NOT NULL,
            source_record TEXT NOT NULL,
            version_date TEXT,
            content_hash BLOB NOT NULL,
            possibly_stale INTEGER NOT NULL DEFAULT 0,
            stale_reasons TEXT,            -- JSON list of reasons
            stale_checked_on TEXT,
            change_seq INTEGER NOT NULL,   -- the batch that last changed the row
            loaded_at TEXT NOT NULL,
            -- The large columns last: reading a small column after them walks their overflow pages.
            record TEXT NOT NULL,          -- the normalised Trial as JSON (json_extract works)
            raw BLOB NOT NULL              -- the source record, whole, zstd-compressed
        );
        CREATE INDEX trials_change_seq ON trials(change_seq);
        CREATE INDEX trials_status ON trials(overall_status);
        CREATE INDEX trials_last_update ON trials(last_update);

        CREATE TABLE sites (
            nct_id TEXT NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            facility TEXT,
            city TEXT,
            state TEXT,
            zip TEXT,
            country TEXT,
            status TEXT,
            latitude REAL,
            longitude REAL,
            PRIMARY KEY (nct_id, ordinal)
        ) WITHOUT ROWID;
        CREATE INDEX sites_place ON sites(country, state, city);
        CREATE INDEX sites_geo ON sites(latitude, longitude);

        CREATE TABLE conditions (
            nct_id TEXT NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            PRIMARY KEY (nct_id, ordinal)
        ) WITHOUT ROWID;
        CREATE INDEX conditions_name ON conditions(name COLLATE NOCASE);

        CREATE TABLE interventions (
            nct_id TEXT NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            type TEXT,
            name TEXT NOT NULL,
            PRIMARY KEY (nct_id, ordinal)
        ) WITHOUT ROWID;
        CREATE INDEX interventions_name ON interventions(name COLLATE NOCASE);

        CREATE TABLE state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
    Migration(
        2,
        "parsed eligibility criteria",
        """
        CREATE TABLE parsed_eligibility (
            nct_id TEXT PRIMARY KEY REFERENCES trials(nct_id),
            parser_version INTEGER NOT NULL,
            trial_seq INTEGER NOT NULL,    -- the trial's change_seq when it was parsed
            summary TEXT NOT NULL,
            criteria INTEGER NOT NULL,
            typed INTEGER NOT NULL         -- criteria with at least one typed rule
        );
        CREATE TABLE criteria (
            nct_id TEXT NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            id TEXT NOT NULL,              -- "I3", "E6.2"
            kind TEXT NOT NULL,            -- inclusion / exclusion
            role TEXT NOT NULL,            -- requirement / exception / exception_condition
            parent TEXT,
            topic TEXT,
            start INTEGER NOT NULL,        -- span in the trial's eligibility text
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            plain TEXT NOT NULL,
            rule_types TEXT,               -- '|'-joined rule types, e.g. 'lab|performance_status'
            exceptions TEXT NOT NULL,      -- JSON list of stated exceptions
            rules TEXT NOT NULL,           -- JSON list of typed rules
            PRIMARY KEY (nct_id, ordinal)
        ) WITHOUT ROWID;
        """,
    ),
    Migration(
        3,
        "criteria structure: scope, rule groups, alternatives (parser version 3)",
        """
        ALTER TABLE criteria ADD COLUMN structure TEXT NOT NULL DEFAULT '{}';
        """,
    ),
    Migration(
        4,
        "organizations: each trial's lead sponsor and collaborators, for the sponsor box",
        """
        CREATE TABLE organizations (
            nct_id TEXT NOT NULL REFERENCES trials(nct_id),
            name TEXT NOT NULL,
            role TEXT NOT NULL,            -- lead / collaborator (lead when named as both)
            PRIMARY KEY (nct_id, name)
        ) WITHOUT ROWID;
        CREATE INDEX organizations_name ON organizations(name COLLATE NOCASE);
        INSERT OR IGNORE INTO organizations
            SELECT nct_id, json_extract(record, '$.lead_sponsor.name'), 'lead' FROM trials
            WHERE json_extract(record, '$.lead_sponsor.name') IS NOT NULL;
        INSERT OR IGNORE INTO organizations
            SELECT t.nct_id, json_extract(c.value, '$.name'), 'collaborator'
            FROM trials AS t, json_each(t.record, '$.collaborators') AS c
            WHERE json_extract(c.value, '$.name') IS NOT NULL;
        """,
    ),
    Migration(
        5,
        "trials.stale_grade: the recruitment check's grade (current, not confirmed recently,"
        " probably closed), so a result card can say which",
        """
        ALTER TABLE trials ADD COLUMN stale_grade TEXT;
        UPDATE trials SET stale_grade = 'not-applicable'
            WHERE overall_status IS NULL OR overall_status NOT IN
                ('RECRUITING', 'NOT_YET_RECRUITING', 'ENROLLING_BY_INVITATION', 'AVAILABLE');
        -- The open trials are graded again by the store as it opens (SQLiteStore.__init__).
        UPDATE trials SET stale_checked_on = '' WHERE stale_grade IS NULL;
        """,
    ),
    Migration(
        6,
        "compact storage: a trial's parsed criteria as one compressed blob in parsed_eligibility"
        " (the criteria table kept each criterion's words three times, 15 KB per trial); trial"
        " records compressed from here on",
        """
        ALTER TABLE parsed_eligibility ADD COLUMN criteria_blob BLOB;
        -- Nothing reads sites by a latitude/longitude range (the search index places them):
        -- the index cost 270 bytes a trial.
        DROP INDEX IF EXISTS sites_geo;
        -- SQLiteStore.__init__ moves the criteria table's rows into the blobs, then drops it.
        -- Trial records written from now on are zstd blobs (record TEXT holds either).
        """,
    ),
)


def pending_migrations(conn: sqlite3.Connection) -> list[Migration]:
    """The migrations this database lacks (all of them for a file that is not a store yet);
    reads only."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not has_table:
        return list(MIGRATIONS)
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    return [m for m in MIGRATIONS if m.version not in done]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
        applied.append(migration.version)
    return applied


def _statements(script: str) -> list[str]:
    """Split a migration script on the semicolons that end complete statements."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
