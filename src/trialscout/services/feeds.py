"""A saved search as an Atom 1.0 feed (RFC 4287): its trials, the most recently updated first.

    search_feed(registry, SearchRequest(query="semaglutide"), base_url="https://trials.example",
                self_url="https://trials.example/feeds/search.atom?q=semaglutide")

One entry per trial, as the registry's own RSS feeds give them: the title, a link to the trial's
page, `updated` from the record's last update posted, `published` from its first posting, and a
summary with the status, phase, conditions, the nearest fitting site and whether the trial is new
(first posted on its last update) or changed since. A feed reader then shows a person the trials
that are new or changed since they last looked. Dates are the registry's; nothing else is dated.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import msgspec

from trialscout.errors import SearchInputError
from trialscout.model.trial import RegistryDate, Trial
from trialscout.search.results import SearchHit, SearchRequest, SearchResults, Sort
from trialscout.services.registry import LocalRegistry
from trialscout.services.search import search_trials
from trialscout.trialpage.badges import phase_words

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
#: The most entries one feed holds.
MAX_ENTRIES = 200

# Characters XML 1.0 cannot carry (a record's text may hold a stray control character).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def search_feed(
    registry: LocalRegistry,
    request: SearchRequest,
    *,
    base_url: str,
    self_url: str,
    limit: int = 50,
) -> bytes:
    """The feed of a search: its `limit` most recently updated trials (the request's sort and
    page are replaced by last update, first page). Raises `SearchInputError` for a limit out of
    1 to `MAX_ENTRIES`, and the search's own errors for filters that cannot be used."""
    if not 1 <= limit <= MAX_ENTRIES:
        raise SearchInputError(f"a feed holds 1 to {MAX_ENTRIES} trials, not {limit}")
    newest = msgspec.structs.replace(request, sort=Sort.UPDATED, page=1, per_page=limit, facets=False)
    return results_feed(
        registry, search_trials(registry, newest), request=request, base_url=base_url, self_url=self_url
    )


def results_feed(
    registry: LocalRegistry,
    results: SearchResults,
    *,
    request: SearchRequest | None = None,
    title: str | None = None,
    base_url: str,
    self_url: str,
) -> bytes:
    """The feed of a page of search results, its trials the most recently updated first; its
    title says what was searched (`title`, else the words of `request`)."""
    base = base_url.rstrip("/")
    entries = [(hit, registry.store.trial(hit.nct_id)) for hit in results.hits]
    entries.sort(key=lambda e: e[0].nct_id)
    entries.sort(key=lambda e: _stamp(_updated(e[1])) or "", reverse=True)
    # Names are written bare under the default namespace (ElementTree's default_namespace
    # option refuses bare attribute names such as href).
    feed = ET.Element("feed", {"xmlns": ATOM})
    what = title or (describe(request) if request is not None else "a search")
    _text(feed, "title", f"trialscout: {what}")
    one = results.total == 1
    matches = f"{results.total:,} trial{'' if one else 's'} match{'es' if one else ''}"
    _text(feed, "subtitle", f"{matches}; the {len(entries)} most recently updated first")
    _link(feed, self_url, rel="self", type=MEDIA_TYPE)
    _link(feed, base or "/", rel="alternate", type="text/html")
    _text(feed, "id", self_url)
    stamps = [s for s in (_stamp(_updated(t)) for _, t in entries) if s]
    # Atom needs the feed's `updated`: its newest entry's, else (no trial) the moment it is made.
    _text(feed, "updated", max(stamps) if stamps else _now())
    author = ET.SubElement(feed, "author")
    _text(author, "name", "trialscout")
    _text(feed, "generator", "trialscout")
    for hit, trial in entries:
        _entry(feed, hit, trial, base)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def describe(request: SearchRequest) -> str:
    """A search in a few words, for the feed's title: 'semaglutide; recruiting; near Boston, MA'."""
    parts = [request.query.strip()] if request.query.strip() else []
    parts += [f"{name}: {value}" for name, value in _named(request) if value]
    parts += [", ".join(s.replace("_", " ").lower() for s in request.statuses)] if request.statuses else []
    parts += [f"phase {', '.join(request.phases)}"] if request.phases else []
    if request.near:
        parts.append(f"near {request.near}" + (f" within {request.radius}" if request.radius else ""))
    return "; ".join(p for p in parts if p) or "all trials"


def _named(request: SearchRequest) -> Sequence[tuple[str, str | None]]:
    return (
        ("condition", request.condition),
        ("intervention", request.intervention),
        ("sponsor", request.sponsor),
        ("country", request.country),
        ("state", request.state),
        ("city", request.city),
    )


def _entry(feed: ET.Element, hit: SearchHit, trial: Trial, base: str) -> None:
    entry = ET.SubElement(feed, "entry")
    link = f"{base}/trials/{hit.nct_id}"
    _text(entry, "title", f"{hit.title} ({hit.nct_id})")
    _link(entry, link, rel="alternate", type="text/html")
    _text(entry, "id", link)
    updated = _updated(trial)
    published = trial.first_posted_date
    copied = RegistryDate(date=trial.source.version_date) if trial.source.version_date else None
    _text(entry, "updated", _stamp(updated) or _stamp(published) or _stamp(copied) or _now())
    if _stamp(published):
        _text(entry, "published", _stamp(published) or "")
    sponsor = trial.lead_sponsor.name if trial.lead_sponsor is not None else None
    if sponsor:
        _text(ET.SubElement(entry, "author"), "name", sponsor)
    for condition in trial.conditions:
        ET.SubElement(entry, "category", {"term": _clean(condition)})
    _text(entry, "summary", "\n".join(summary_lines(hit, trial))).set("type", "text")


def summary_lines(hit: SearchHit, trial: Trial) -> list[str]:
    """What an entry says of a trial: status, phase, conditions, where, and new or changed."""
    status = hit.overall_status.replace("_", " ").capitalize() if hit.overall_status else "not stated"
    lines = [f"Status: {status}" + (" (possibly out of date)" if hit.possibly_stale else "")]
    phase = phase_words(list(hit.phases))
    if phase:
        lines.append(phase[0].upper() + phase[1:])
    if hit.conditions:
        lines.append("Conditions: " + "; ".join(hit.conditions))
    if hit.location:
        lines.append(f"Location: {hit.location}")
    lines.append(change_line(trial))
    return lines


def change_line(trial: Trial) -> str:
    """'New: first posted 2023-04-14' or 'Updated 2023-06-18 (first posted 2023-04-14)'."""
    updated = _updated(trial)
    posted = trial.first_posted_date.date if trial.first_posted_date is not None else None
    if updated is None:
        return (
            f"First posted {posted}; last update: not stated in the registry"
            if posted
            else ("First posted and last update: not stated in the registry")
        )
    if posted is None:
        return f"Updated {updated.date}; first posted: not stated in the registry"
    if posted == updated.date:
        return f"New: first posted {posted}"
    return f"Updated {updated.date} (first posted {posted})"


def _updated(trial: Trial) -> RegistryDate | None:
    return trial.last_update_posted_date


def _stamp(date: RegistryDate | None) -> str | None:
    """An RFC 3339 time for a registry day (midnight UTC); None for no date or a partial one."""
    if date is None or not _DAY.match(date.date):
        return None
    return f"{date.date}T00:00:00Z"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, name)
    element.text = _clean(text)
    return element


def _link(parent: ET.Element, href: str, **attributes: str) -> None:
    ET.SubElement(parent, "link", {"href": href, **attributes})
