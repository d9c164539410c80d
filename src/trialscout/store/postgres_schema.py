"""The PostgreSQL store's schema, as numbered migrations recorded in `schema_migrations`.

The same tables and columns as the SQLite store after its migration 6 (`trialscout.store.schema`),
so that one `PreparedRecord` fills either: `trials` (the normalised record and the original
record, both zstd blobs, in bytea), `sites` with their coordinates, `conditions`,
`interventions`, `organizations`, `parsed_eligibility` and `state`. Text that queries compare
or sort (NCT IDs, dates, keys) is ``COLLATE "C"``: byte order, as in SQLite, whatever the
database's own collation. Names are looked up case aside through ``lower(name)`` indexes.

Only the writer migrates. Each migration runs in its own transaction, which first takes a
transaction-scoped advisory lock (`MIGRATION_LOCK`), so two writers starting at once apply
each migration once; a reader only reads `schema_migrations`. Add migrations at the end; never
edit one that has shipped.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from trialscout.store.schema import Migration

#: The advisory lock key a migration holds for its transaction ("tsmigrat" read as a number).
MIGRATION_LOCK = 0x74736D6967726174

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "trials (normalised and original records as zstd blobs), sites, conditions,"
        " interventions, organizations, parsed eligibility and state",
        """
        CREATE TABLE trials (
            nct_id TEXT COLLATE "C" PRIMARY KEY,
            brief_title TEXT,
            official_title TEXT,
            acronym TEXT,
            overall_status TEXT COLLATE "C",
            phases TEXT,                   -- '|'-joined API v2 tokens, e.g. 'PHASE2|PHASE3'
            study_type TEXT,
            start_date TEXT COLLATE "C",   -- ISO, of the precision the registry gave
            primary_completion_date TEXT COLLATE "C",
            completion_date TEXT COLLATE "C",
            last_update TEXT COLLATE "C",  -- the registry's last update posted date
            has_results INTEGER NOT NULL,
            enrollment BIGINT,             -- NULL when unknown (including the 99999999 sentinel)
            enrollment_type TEXT,
            minimum_age_years DOUBLE PRECISION,  -- NULL when the registry sets no limit
            maximum_age_years DOUBLE PRECISION,
            sex TEXT,
            healthy_volunteers INTEGER,
            lead_sponsor TEXT,
            source_format TEXT NOT NULL,
            source_file TEXT NOT NULL,
            source_record TEXT NOT NULL,
            version_date TEXT COLLATE "C",
            record BYTEA NOT NULL,         -- the normalised Trial as JSON, zstd (records.compress)
            raw BYTEA NOT NULL,            -- the source record, whole, zstd-compressed
            content_hash BYTEA NOT NULL,
            possibly_stale INTEGER NOT NULL DEFAULT 0,
            stale_reasons TEXT,            -- JSON list of reasons
            stale_checked_on TEXT COLLATE "C",
            stale_grade TEXT,
            change_seq BIGINT NOT NULL,    -- the batch that last changed the row
            loaded_at TEXT COLLATE "C" NOT NULL
        );
        -- The blobs are zstd already: TOAST keeps them out of line without compressing again.
        ALTER TABLE trials ALTER COLUMN record SET STORAGE EXTERNAL,
            ALTER COLUMN raw SET STORAGE EXTERNAL;
        CREATE INDEX trials_change_seq ON trials(change_seq, nct_id);
        CREATE INDEX trials_status ON trials(overall_status);
        CREATE INDEX trials_last_update ON trials(last_update);

        CREATE TABLE sites (
            nct_id TEXT COLLATE "C" NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            facility TEXT,
            city TEXT,
            state TEXT,
            zip TEXT,
            country TEXT,
            status TEXT,
            latitude DOUBLE PRECISION,
            longitude DOUBLE PRECISION,
            PRIMARY KEY (nct_id, ordinal)
        );
        CREATE INDEX sites_place ON sites(country, state, city);

        CREATE TABLE conditions (
            nct_id TEXT COLLATE "C" NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            PRIMARY KEY (nct_id, ordinal)
        );
        CREATE INDEX conditions_name ON conditions(lower(name));

        CREATE TABLE interventions (
            nct_id TEXT COLLATE "C" NOT NULL REFERENCES trials(nct_id),
            ordinal INTEGER NOT NULL,
            type TEXT,
            name TEXT NOT NULL,
            PRIMARY KEY (nct_id, ordinal)
        );
        CREATE INDEX interventions_name ON interventions(lower(name));

        CREATE TABLE organizations (
            nct_id TEXT COLLATE "C" NOT NULL REFERENCES trials(nct_id),
            name TEXT NOT NULL,
            role TEXT COLLATE "C" NOT NULL,  -- lead / collaborator (lead when named as both)
            PRIMARY KEY (nct_id, name)
        );
        CREATE INDEX organizations_name ON organizations(lower(name));

        CREATE TABLE parsed_eligibility (
            nct_id TEXT COLLATE "C" PRIMARY KEY REFERENCES trials(nct_id),
            parser_version INTEGER NOT NULL,
            trial_seq BIGINT NOT NULL,     -- the trial's change_seq when it was parsed
            summary TEXT NOT NULL,
            criteria INTEGER NOT NULL,
            typed INTEGER NOT NULL,        -- criteria with at least one typed rule
            criteria_blob BYTEA NOT NULL   -- the criteria, one zstd JSON array (criteria_rows)
        );

        ALTER TABLE parsed_eligibility ALTER COLUMN criteria_blob SET STORAGE EXTERNAL;

        CREATE TABLE state (
            key TEXT COLLATE "C" PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
)

_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def pending_migrations(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    """The migrations this database lacks (all of them where it is no store yet); reads only."""
    found = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
    if found is None or found[0] is None:
        return list(MIGRATIONS)
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    return [m for m in MIGRATIONS if m.version not in done]


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """Apply the migrations this database lacks, each in a transaction under the migration
    lock; return the versions this call applied."""
    applied = []
    for migration in MIGRATIONS:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(_MIGRATIONS_TABLE)
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = %s", (migration.version,))
            if done.fetchone() is not None:  # applied already, perhaps by a writer just now
                continue
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (%s, %s, %s)",
                (migration.version, migration.name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
        applied.append(migration.version)
    return applied
