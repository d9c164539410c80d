"""The store interface: what services and search may ask of a store of record, and nothing more.

SQLite (`trialscout.store.sqlite`) is the embedded default; any other store (PostgreSQL) passes
the same contract tests (tests/store/test_contract.py). Callers never see a database driver, a
connection or a row id: trials are keyed by their NCT ID, and a store's derived search index
lives where the store says (`index_folder`, a setting of the store).

A store is opened either for reading (``read_only=True``: no migration, no write of any kind,
safe beside a running writer and on read-only files) or as the one writer (load, sync, the
criteria rebuild), which migrates the schema first. Every method may be called from any
thread; each thread uses its own connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Protocol, Self, runtime_checkable

import msgspec

from trialscout.eligibility.model import ParsedEligibility
from trialscout.model.enums import SourceFormat
from trialscout.model.recruitment import RecruitmentCheck
from trialscout.model.trial import Trial


class Outcome(StrEnum):
    """What storing one record did."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SUPERSEDED = "superseded"  # the store already holds a more recent version; kept it


class PreparedRecord(msgspec.Struct, frozen=True):
    """One trial turned into the rows a store writes; built by `trialscout.store.records`.

    Preparing is pure CPU work (encoding, hashing, compressing, the recruitment check), so it
    can run in worker processes while the writer only writes.
    """

    nct_id: str
    version_key: tuple[str, int, str]
    content_hash: bytes
    trial_row: tuple[object, ...]
    sites: list[tuple[object, ...]]
    conditions: list[tuple[object, ...]]
    interventions: list[tuple[object, ...]]
    organizations: list[tuple[object, ...]] = msgspec.field(default_factory=list)


class StoredTrial(msgspec.Struct, frozen=True, kw_only=True):
    """A trial as the store holds it, with its provenance and recruitment check."""

    trial: Trial
    source_file: str
    source_record: str
    loaded_at: str
    recruitment_check: RecruitmentCheck


class IndexRow(msgspec.Struct, frozen=True):
    """What the text index reads of one trial: its normalised record (JSON) and stale flag."""

    nct_id: str
    record: bytes
    possibly_stale: bool


class SiteRow(msgspec.Struct, frozen=True):
    """One site of one trial, as stored (``ordinal``: its place in the record's site list)."""

    nct_id: str
    ordinal: int
    facility: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    status: str | None
    latitude: float | None
    longitude: float | None


class TrialCard(msgspec.Struct, frozen=True, kw_only=True):
    """What a search result shows of a trial, read in one go for a page of hits."""

    nct_id: str
    brief_title: str | None
    official_title: str | None
    overall_status: str | None
    phases: tuple[str, ...]
    study_type: str | None
    lead_sponsor: str | None
    start_date: str | None
    last_update: str | None
    possibly_stale: bool
    stale_reasons: tuple[str, ...]
    # The recruitment check's grade: "current", "not-confirmed-recently", "probably-closed",
    # "not-applicable" (a closed status); None where the store has not graded it.
    stale_grade: str | None
    conditions: tuple[str, ...]


class DueTrial(msgspec.Struct, frozen=True):
    """A trial whose criteria are to be parsed: its change sequence and normalised record."""

    nct_id: str
    change_seq: int
    record: bytes


class ParsedTrial(msgspec.Struct, frozen=True):
    """A trial's parsed criteria, with the change sequence of the record they were parsed from."""

    nct_id: str
    change_seq: int
    parsed: ParsedEligibility


class CriteriaState(msgspec.Struct, frozen=True, kw_only=True):
    """How far the stored parsed criteria are behind the trials and the parser."""

    parsed: int  # trials whose stored parse is current
    due: int  # trials with no parse, or one older than their record or than the parser


class Freshness(msgspec.Struct, frozen=True, kw_only=True):
    """How recent a store is: its last load or sync, and the registry's own dates in it."""

    last_loaded_at: str | None  # when the most recently changed trial was stored (ISO, UTC)
    registry_version: str | None  # the newest registry copy date of a record (download date)
    newest_update: str | None  # the newest last-update-posted date of a trial


class OrganizationTrial(msgspec.Struct, frozen=True, kw_only=True):
    """One trial an organisation leads or collaborates on, with what a sponsor box counts."""

    nct_id: str
    role: str  # "lead" or "collaborator"
    overall_status: str | None
    study_type: str | None
    enrollment: int | None  # None when unknown (the 99999999 sentinel included)
    enrollment_type: str | None  # ACTUAL / ESTIMATED, None when the record does not say
    stale_grade: str | None = None  # the recruitment check's grade (TrialCard.stale_grade)


class InterventionTrial(msgspec.Struct, frozen=True, kw_only=True):
    """A trial that tests an intervention of the given name, for "an earlier trial of it"."""

    nct_id: str
    intervention: str  # the name as this trial registers it
    brief_title: str | None
    phases: tuple[str, ...]
    overall_status: str | None
    completion_date: str | None


@runtime_checkable
class TrialReader(Protocol):
    """Reading a store; never writes, never migrates."""

    @property
    def location(self) -> str:
        """Where the store is, for messages ("registry.db", "postgresql://host/db")."""
        ...

    @property
    def index_folder(self) -> Path:
        """Where this store's search index lives (a setting of the store)."""
        ...

    @property
    def read_only(self) -> bool: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def identity(self) -> str:
        """A random identity given to the store when it was created, so that an index knows
        which store it follows ('' for a store never written)."""
        ...

    def count(self) -> int: ...

    def has(self, nct_id: str) -> bool: ...

    def get(self, nct_id: str) -> StoredTrial:
        """Raises `TrialNotFoundError` for an NCT ID the store does not hold."""
        ...

    def trial(self, nct_id: str) -> Trial: ...

    def raw_record(self, nct_id: str) -> tuple[SourceFormat, bytes]:
        """The source record exactly as it was read."""
        ...

    def raw_records(self, nct_ids: Sequence[str]) -> dict[str, tuple[SourceFormat, bytes]]:
        """The source records of these trials (those the store holds), in one read."""
        ...

    def trials(self, nct_ids: Sequence[str]) -> dict[str, Trial]:
        """The models of these trials (those the store holds), in one read."""
        ...

    def nct_ids(self) -> list[str]: ...

    def iter_trials(self, since_seq: int = 0, batch_size: int = 500) -> Iterator[tuple[int, Trial]]:
        """Every trial changed after change ``since_seq``, in change order, with its change."""
        ...

    def last_change_seq(self) -> int: ...

    def index_rows(self, since_seq: int, until_seq: int) -> Iterator[IndexRow]:
        """The trials changed after ``since_seq`` up to ``until_seq``, for the text index."""
        ...

    def site_rows(self, nct_ids: Sequence[str] | None = None) -> Iterator[SiteRow]:
        """Every site of the given trials (of all trials when None)."""
        ...

    def sites_at(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], SiteRow]:
        """The sites with these (NCT ID, ordinal) keys, those the store holds: one read for
        all the hits of a page (a database server answers each query over the network)."""
        ...

    def cards(self, nct_ids: Sequence[str]) -> dict[str, TrialCard]:
        """What search results show of these trials (those the store holds)."""
        ...

    def organization_trials(self, name: str) -> list[OrganizationTrial]:
        """The trials whose lead sponsor or a collaborator has this name (case aside)."""
        ...

    def intervention_trials(
        self, names: Sequence[str], *, completed_before: str, limit: int = 3
    ) -> list[InterventionTrial]:
        """Completed trials of an intervention with one of these names (case aside) whose
        completion date falls before ``completed_before`` (ISO), the latest first."""
        ...

    def get_state(self, key: str) -> str | None: ...

    def freshness(self) -> Freshness:
        """When the store last changed, and how recent its copy of the registry is."""
        ...

    def state_items(self, prefix: str) -> dict[str, str]:
        """Every state value whose key starts with ``prefix`` (sync checkpoints, load times)."""
        ...

    def stored_criteria(self, nct_id: str, parser_version: int) -> ParsedEligibility | None:
        """The stored parse of one trial when it is current (parsed by ``parser_version`` from
        the trial's present record); None when it is missing or stale."""
        ...

    def criteria_state(self, parser_version: int) -> CriteriaState: ...

    def integrity_problems(self) -> list[str]:
        """The store's own consistency checks; [] when sound."""
        ...

    # --- batched reads for matching (issue 16) ------------------------------------------

    def stored_criteria_many(
        self, nct_ids: Sequence[str], parser_version: int
    ) -> dict[str, ParsedEligibility]:
        """The current stored parses of these trials (as `stored_criteria`), in one read; a
        trial without a current parse is left out."""
        ...


@runtime_checkable
class TrialStore(TrialReader, Protocol):
    """The one writer of a store: load, sync and the criteria rebuild go through these."""

    def set_state(self, key: str, value: str) -> None: ...

    def store_batch(self, batch: Sequence[PreparedRecord]) -> list[Outcome]:
        """Store a batch in one transaction; return what happened to each record, in order."""
        ...

    def refresh_recruitment_checks(self, today: dt.date) -> int:
        """Re-run the recruiting-status check on open trials not checked ``today``; return how
        many trials are flagged in all. A trial whose flag changes counts as changed."""
        ...

    def due_criteria(
        self,
        parser_version: int,
        *,
        rebuild: bool,
        batch_size: int,
        nct_ids: Sequence[str] | None = None,
    ) -> Iterator[list[DueTrial]]:
        """The trials whose criteria are due for parsing (all with ``rebuild``), in batches;
        only those of ``nct_ids`` when given."""
        ...

    def save_criteria(self, batch: Sequence[ParsedTrial]) -> tuple[int, int]:
        """Store parsed criteria in one transaction; return (criteria, typed criteria) stored."""
        ...
