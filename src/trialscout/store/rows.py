"""What every store makes of its rows, whatever the database: the same answers from each.

A store runs its own SQL; what it decides from the rows it reads is here, once: which records
of a batch replace the stored ones (`batch_outcomes`), a search result's card, an
organisation's or an intervention's trials, the recruitment re-check, and the translation of a
driver's errors into `StoreError` around every public method (`translate_errors`).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson

from trialscout.errors import StoreError
from trialscout.model.enums import OPEN_STATUSES
from trialscout.model.recruitment import RecruitmentCheck, RecruitmentGrade, check_recruitment
from trialscout.store.base import (
    InterventionTrial,
    OrganizationTrial,
    Outcome,
    PreparedRecord,
    StoredTrial,
    TrialCard,
)
from trialscout.store.records import REASONS_DECODER, decode_trial

#: The state key of a store's identity (`TrialReader.identity`), a random hex string.
STORE_ID_KEY = "store.id"
#: The open statuses as a SQL list, for the recruitment re-check's query.
OPEN_STATUS_SQL = ",".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES))
#: The trials the recruitment re-check reads (nct_id, record, possibly_stale); one parameter,
#: today's date (ISO), in the driver's placeholder style (``{mark}``).
RECHECK_SQL = (
    "SELECT nct_id, record, possibly_stale FROM trials WHERE stale_checked_on < {mark}"
    f" AND (possibly_stale=1 OR overall_status IN ({OPEN_STATUS_SQL}))"
)

#: (version key, content hash) of a stored trial, by NCT ID.
StoredVersions = dict[str, tuple[tuple[str, int, str], bytes]]


def batch_outcomes(
    batch: Sequence[PreparedRecord], current: StoredVersions
) -> tuple[list[Outcome], list[PreparedRecord], list[str]]:
    """What storing ``batch`` over the stored versions ``current`` does to each record, the
    records to write (the latest of each trial, once) and the NCT IDs among them the store
    already holds (their sites, conditions, ... are replaced). ``current`` is updated."""
    existing = set(current)
    outcomes: list[Outcome] = []
    chosen: dict[str, PreparedRecord] = {}
    for item in batch:
        previous = current.get(item.nct_id)
        if previous is None:
            outcome = Outcome.NEW
        elif previous[1] == item.content_hash:
            outcome = Outcome.UNCHANGED
        elif item.version_key > previous[0]:
            outcome = Outcome.UPDATED
        else:
            outcome = Outcome.SUPERSEDED
        if outcome in (Outcome.NEW, Outcome.UPDATED):
            current[item.nct_id] = (item.version_key, item.content_hash)
            chosen[item.nct_id] = item
        outcomes.append(outcome)
    return outcomes, list(chosen.values()), [nct for nct in chosen if nct in existing]


#: The trials columns `stored_trial` reads, in its order.
STORED_COLUMNS = (
    "record, source_file, source_record, loaded_at, possibly_stale, stale_reasons,"
    " stale_checked_on, stale_grade"
)


def stored_trial(row: Sequence[Any]) -> StoredTrial:
    """A trial with its provenance and recruitment check, from a row of `STORED_COLUMNS`."""
    record, file, source_record, loaded_at, stale, reasons, checked_on, grade = row
    return StoredTrial(
        trial=decode_trial(record),
        source_file=file,
        source_record=source_record,
        loaded_at=loaded_at,
        recruitment_check=RecruitmentCheck(
            possibly_stale=bool(stale),
            reasons=REASONS_DECODER.decode(reasons) if reasons else (),
            checked_on=checked_on or "",
            grade=RecruitmentGrade(grade) if grade else None,
        ),
    )


#: The trials columns a card reads, in the order `card` takes them.
CARD_COLUMNS = (
    "nct_id, brief_title, official_title, overall_status, phases, study_type,"
    " lead_sponsor, start_date, last_update, possibly_stale, stale_reasons, stale_grade"
)


def card(row: Sequence[Any], conditions: Sequence[str]) -> TrialCard:
    """A result card from a row of `CARD_COLUMNS` and the trial's conditions, in order."""
    nct_id, brief, official, status, phases, study_type, sponsor, start_date, updated, *stale_columns = row
    stale, reasons, grade = stale_columns
    return TrialCard(
        nct_id=nct_id,
        brief_title=brief,
        official_title=official,
        overall_status=status,
        phases=tuple(phases.split("|")) if phases else (),
        study_type=study_type,
        lead_sponsor=sponsor,
        start_date=start_date,
        last_update=updated,
        possibly_stale=bool(stale),
        stale_reasons=tuple(orjson.loads(reasons)) if reasons else (),
        stale_grade=grade,
        conditions=tuple(conditions),
    )


def organization_trials(rows: Sequence[Sequence[Any]]) -> list[OrganizationTrial]:
    """Rows of (nct_id, role, overall_status, study_type, enrollment, enrollment_type, grade)."""
    return [
        OrganizationTrial(
            nct_id=nct,
            role=role,
            overall_status=status,
            study_type=study_type,
            enrollment=enrollment,
            enrollment_type=enrollment_type,
            stale_grade=grade,
        )
        for nct, role, status, study_type, enrollment, enrollment_type, grade in rows
    ]


def intervention_trials(rows: Sequence[Sequence[Any]]) -> list[InterventionTrial]:
    """Rows of (nct_id, intervention name, brief_title, phases, overall_status, completion)."""
    return [
        InterventionTrial(
            nct_id=nct,
            intervention=name,
            brief_title=title,
            phases=tuple(phases.split("|")) if phases else (),
            overall_status=status,
            completion_date=completion,
        )
        for nct, name, title, phases, status, completion in rows
    ]


#: (possibly_stale, stale_reasons, stale_checked_on, stale_grade, nct_id): one re-checked trial.
Recheck = tuple[int, str, str, str | None, str]


def recheck_recruitment(rows: Sequence[Sequence[Any]], today: dt.date) -> tuple[list[Recheck], list[Recheck]]:
    """The recruitment check run again on rows of `RECHECK_SQL`: the trials whose flag stays
    as it was, and those whose flag flips (a change the search index must see)."""
    checked: list[Recheck] = []
    flipped: list[Recheck] = []
    for nct_id, record, was_stale in rows:
        check = check_recruitment(decode_trial(record), today)
        grade = check.grade.value if check.grade else None
        reasons = orjson.dumps(check.reasons).decode()
        values = (int(check.possibly_stale), reasons, check.checked_on, grade, nct_id)
        # The index keeps the flag (not the grade): only a flipped flag is a change to index.
        (flipped if bool(was_stale) != check.possibly_stale else checked).append(values)
    return checked, flipped


def group_rows(rows: Sequence[Sequence[Any]]) -> dict[str, list[Any]]:
    """(nct_id, value) rows as each trial's values, in the rows' order."""
    grouped: dict[str, list[Any]] = {}
    for nct_id, value in rows:
        grouped.setdefault(nct_id, []).append(value)
    return grouped


def translate_errors(
    cls: type[Any],
    errors: type[BaseException] | tuple[type[BaseException], ...],
    convert: Callable[[Any, BaseException], StoreError],
) -> None:
    """Wrap every public method of ``cls`` (generators too; not ``close``) so that the
    driver's ``errors`` come out as ``convert(store, error)``."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(method) or name == "close":
            continue
        setattr(cls, name, _translating(method, errors, convert))


def _translating(
    method: Callable[..., Any],
    errors: type[BaseException] | tuple[type[BaseException], ...],
    convert: Callable[[Any, BaseException], StoreError],
) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except errors as exc:
                raise convert(self, exc) from exc

        return generator

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except errors as exc:
            raise convert(self, exc) from exc

    return call
