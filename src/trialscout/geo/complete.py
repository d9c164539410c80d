"""Autocomplete for a place box: what a person has typed so far -> the places they may mean.

    complete_place("Palo A")    -> Palo Alto, California, United States; Palo Alto, Mexico; ...
    complete_place("9430")      -> Palo Alto, CA 94301; Palo Alto, CA 94302; ... (ZIP codes)
    complete_place("Lyon, Fr")  -> Lyon, France
    complete_place("besan")     -> Besançon, France
    complete_place("new y")     -> New York City, New York, United States; New York, United States

What is offered: the gazetteer's cities (by their own name, and, for places of 15,000 people
or more, by their other names: "Cologne" offers Köln), the first-level regions and countries
`resolve_place` knows (by name as they begin; by an alias such as "Holland" or "UK" when it is
typed in full), US ZIP codes (a run of digits), and coordinates once the text is a pair of
them. Text after a comma narrows the places to the regions or countries it names or begins to
name ("Paris, T" offers Paris, Texas and Paris, Tennessee), and so do trailing words ("Palo
Alto CA"). Accents, case and punctuation do not matter (the gazetteer's `fold`); a word
followed by a space is complete ("new " does not offer Newark), and "St" is both "Saint" and
the letters ("Stockholm").

How places rank: by population; a place's other name as if the place were a hundred times
smaller (as `resolve_place` counts it), a thousand times while the name is only begun; a name
typed in full ten times more; a city's districts ("Lyon 03", "Paris 15 Vaugirard") a thousand
times less; a region or country as the people of its places together, but below a city of a
million people of the same name ("new y" offers New York City first, as `resolve_place` reads
"New York"). Places that trial sites name (``site_places``) count three times their
population. ZIP codes come in numeric order.

Each suggestion carries ``value``, the text that `resolve_place` reads back as exactly that
place (the label; a US state's code; or the place's coordinates where the label reads back as
another place: the smaller of two towns of one label, the country Georgia, the city of Québec),
for the box to send on as the search's place. It is checked once per place shown (with
`resolve_place`) and remembered.

The tables are built on first use from the gazetteer and kept for the process. Measured on
the 2-core development machine (Python 3.11, 2026-12-02; 332,736 names under 299,685 keys):
building them takes 1.2 s once the gazetteer is loaded (itself 1.5-3 s, or a millisecond when
the search index's saved copy is used); a completion then takes a median 0.13 ms over 20
prefixes ("P", "Palo A", "new y", "Lyon, Fr", "9430", ...; at most 5 ms), against 69 ms for a
plain linear scan of the same names. The first time a place is shown its ``value`` is checked,
which brings such a call to a median 0.9 ms. The first ZIP code completion loads the ZIP data
(about a second).
"""

from __future__ import annotations

import bisect
import functools
import re
import string
import threading
from collections.abc import Iterable, Sequence
from typing import Final

import msgspec
import numpy as np
import numpy.typing as npt

from trialscout.errors import TrialscoutError, UnknownPlaceError
from trialscout.geo.coordinates import format_coordinates, parse_coordinates
from trialscout.geo.distance import distance_km
from trialscout.geo.gazetteer import Gazetteer, gazetteer, us_postal
from trialscout.geo.names import US_STATES, Region, country_code, fold, fold_many, region_tables
from trialscout.geo.places import PlaceKind, SitePlace, resolve_place

#: How many suggestions a call gives when it does not say.
DEFAULT_LIMIT: Final = 8
#: The most suggestions one call gives.
MAX_LIMIT: Final = 50
# Longest text completed (as `resolve_place` reads at most 200 characters).
_MAX_LENGTH: Final = 200
# As in the gazetteer: a match on another name counts as a place this many times smaller.
_ALTERNATE_PENALTY: Final = 100.0
# ... and ten times smaller again when it is only begun: "new y" is not Jakarta ("New York van Java").
_BEGUN_ALTERNATE_PENALTY: Final = 10.0
# What kind of name an entry is: a place's own, another of its names, a region's other name
# (read only when typed in full: "Holland", "UK"; "p" does not offer "People's Republic of China").
_OWN, _OTHER, _ALIAS = 0, 1, 2
# A name typed in full counts this many times more than one that is only begun.
_EXACT_BOOST: Final = 10.0
# A place that trial sites name counts this many times more.
_SITE_BOOST: Final = 3.0
# A site place is the gazetteer's place of its name within this distance (degrees, about 40 km).
_SITE_MATCH_DEGREES: Final = 0.35
# A city this populous comes before the region of its name (as in `resolve_place`).
_CITY_BEFORE_REGION: Final = 1_000_000
# A qualifier that is only begun must have this many letters (one letter names too much).
_SHORTEST_QUALIFIER: Final = 2
# A city's district ("Lyon 03", "Marseille Vauban") counts as a place this many times smaller.
_DISTRICT_PENALTY: Final = 1000.0
# A district lies within this many degrees (about 20 km) of its city.
_DISTRICT_DEGREES: Final = 0.2
_ZIP_PREFIX: Final = re.compile(r"(\d{1,5})(?:\s*-\s*\d{0,4})?", re.ASCII)
_ABBREVIATIONS: Final = frozenset({"st", "ste", "mt", "ft"})
# Sorts after every folded key that begins with a prefix (keys are ASCII).
_AFTER: Final = "\x7f"
# A label read back within this distance of the place is that place.
_SAME_PLACE_KM: Final = 1.0
_TERRITORIES: Final = frozenset({"PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW"})

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PlaceSuggestion(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One place the text may mean: "Palo Alto, California, United States", a city."""

    label: str  # what the box shows
    value: str  # what to send as the place (`resolve_place` reads it back as this place)
    kind: PlaceKind  # city, state (any first-level region), country, zip or coordinates
    latitude: float
    longitude: float
    country_code: str | None = None  # ISO 3166 ("US"); None for bare coordinates
    state: str | None = None  # the US state or other named region ("California")
    also_named: str | None = None  # the other name typed, when it is not the place's own ("cologne")


class PlaceCompleter:
    """The prefix tables of every place name, and how much each place counts.

    Build with `place_completer()`; one completer serves many threads (it only reads).
    """

    def __init__(self, tables: _Tables, boost: FloatArray | None = None) -> None:
        self._tables = tables
        self._boost = boost

    def with_sites(self, site_places: Iterable[SitePlace]) -> PlaceCompleter:
        """A completer over the same tables in which the places trial sites name rank higher."""
        return PlaceCompleter(self._tables, self._tables.site_boost(site_places))

    def complete(self, text: str, limit: int = DEFAULT_LIMIT) -> list[PlaceSuggestion]:
        """Up to `limit` places that `text` begins to name, best first ([] for none).

        Any text gives a list, never an exception.
        """
        limit = max(0, min(limit, MAX_LIMIT))
        cleaned = " ".join(text.split())
        if not cleaned or len(cleaned) > _MAX_LENGTH or limit == 0:
            return []
        if _ZIP_PREFIX.fullmatch(cleaned):
            return self._tables.zip_codes(cleaned, limit)
        try:
            coordinates = parse_coordinates(cleaned)
        except UnknownPlaceError:
            return []
        if coordinates is not None:
            latitude, longitude = coordinates
            label = format_coordinates(latitude, longitude)
            return [
                PlaceSuggestion(
                    label=label,
                    value=label,
                    kind=PlaceKind.COORDINATES,
                    latitude=latitude,
                    longitude=longitude,
                )
            ]
        return self._tables.names(text, limit, self._boost)


class _Reading(msgspec.Struct, frozen=True):
    """One way to read the text: name prefixes, and the regions each qualifier allows."""

    prefixes: tuple[str, ...]  # folded; a trailing space: the name's last word is complete
    exact: str  # the name in full, folded
    qualifiers: tuple[tuple[Region, ...], ...]


class _Tables:
    """Every folded name (sorted), the places each names, and what the places are."""

    def __init__(self, places: Gazetteer) -> None:
        self.places = places
        tables = region_tables()
        self.country_labels = tables.country_labels
        self.state_names = tables.state_names
        cities = len(places)
        # Regions and countries that have places (and so a centre), each once.
        regions: dict[Region, str] = {}
        region_keys: list[tuple[str, Region]] = []
        region_kinds: list[int] = []
        for key, region in (*tables.states_by_name.items(), *tables.countries_by_name.items()):
            plain = Region(region.country, region.admin1, "")
            if places.centre(plain) is None:
                continue
            regions.setdefault(plain, region.name)
            region_keys.append((key, plain))
            region_kinds.append(_OWN if key == fold(region.name) else _ALIAS)
        self.regions = list(regions)
        self.region_names = list(regions.values())
        region_ids = {region: cities + i for i, region in enumerate(self.regions)}
        # Each place's country and first-level region as small numbers, for qualifier filters.
        self._country_ids: dict[str, int] = {}
        self._admin1_ids: dict[str, int] = {}
        country_of = np.asarray(
            [self._country_ids.setdefault(c, len(self._country_ids)) for c in places.countries.table],
            dtype=np.int32,
        )[places.countries.codes]
        admin1_of = np.asarray(
            [self._admin1_ids.setdefault(a, len(self._admin1_ids)) for a in places.admin1.table],
            dtype=np.int32,
        )[places.admin1.codes]
        region_countries = [
            self._country_ids.setdefault(r.country, len(self._country_ids)) for r in self.regions
        ]
        region_admin1 = [
            self._admin1_ids.setdefault(r.admin1 or "", len(self._admin1_ids)) for r in self.regions
        ]
        self.country_of = np.concatenate([country_of, region_countries]).astype(np.int32)
        self.admin1_of = np.concatenate([admin1_of, region_admin1]).astype(np.int32)
        population = np.asarray(places.populations.array, dtype=np.float64)
        # Every name: (key, place, weight, other name?), then sorted by key.
        prim_keys, prim_places = _postings(places, alternate=False)
        alt_keys, alt_places = _postings(places, alternate=True)
        biggest = self._biggest_named(prim_keys, prim_places, alt_keys, alt_places, population)
        region_weight = self._region_weights(population, biggest, region_keys)
        key_list = [*prim_keys, *alt_keys, *(key for key, _ in region_keys)]
        entry_key = np.concatenate(
            [
                prim_places[0],
                alt_places[0] + len(prim_keys),
                np.arange(len(region_keys), dtype=np.int64) + len(prim_keys) + len(alt_keys),
            ]
        )
        entry_place = np.concatenate(
            [
                prim_places[1],
                alt_places[1],
                np.asarray([region_ids[region] for _, region in region_keys], dtype=np.int64),
            ]
        )
        entry_weight = np.concatenate(
            [
                population[prim_places[1]] / self._districts(prim_keys, prim_places, population),
                population[alt_places[1]] / _ALTERNATE_PENALTY,
                np.asarray([region_weight[region] for _, region in region_keys], dtype=np.float64),
            ]
        )
        entry_kind = np.concatenate(
            [
                np.full(prim_places[1].shape[0], _OWN, np.int8),
                np.full(alt_places[1].shape[0], _OTHER, np.int8),
                np.asarray(region_kinds, dtype=np.int8),
            ]
        )
        self.keys = sorted(set(key_list))
        position = {key: i for i, key in enumerate(self.keys)}
        key_id = np.asarray([position[key] for key in key_list], dtype=np.int64)[entry_key]
        order = np.lexsort((-entry_weight, key_id))
        self.entry_place = entry_place[order].astype(np.int32)
        self.entry_weight = entry_weight[order]
        self.entry_kind = entry_kind[order]
        self.starts = np.zeros(len(self.keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(key_id, minlength=len(self.keys)), out=self.starts[1:])
        self.entry_key = key_id[order].astype(np.int32)
        self.qualifier_names = sorted(region_keys, key=lambda pair: pair[0])
        self._qualifier_keys = [key for key, _ in self.qualifier_names]
        self._zips: list[str] | None = None
        self._lock = threading.Lock()

    # --- building -------------------------------------------------------------------------

    def _region_weights(
        self, population: FloatArray, biggest: dict[str, float], region_keys: list[tuple[str, Region]]
    ) -> dict[Region, float]:
        """Each region as the people of its places, but below a city of a million people that
        one of its names also names."""
        cities = len(self.places)
        countries = np.bincount(self.country_of[:cities], weights=population)
        pairs = self.country_of[:cities].astype(np.int64) * len(self._admin1_ids) + self.admin1_of[:cities]
        pair_ids, inverse = np.unique(pairs, return_inverse=True)
        pair_sums = np.bincount(inverse, weights=population)
        by_pair = dict(zip(pair_ids.tolist(), pair_sums.tolist(), strict=True))
        weights: dict[Region, float] = {}
        for region in self.regions:
            country = self._country_ids[region.country]
            if region.admin1 is None:
                weights[region] = float(countries[country])
            else:
                pair = country * len(self._admin1_ids) + self._admin1_ids[region.admin1]
                weights[region] = by_pair.get(pair, 0.0)
        for key, region in region_keys:
            city = biggest.get(key, 0.0)
            if region.admin1 is not None and city >= _CITY_BEFORE_REGION:
                weights[region] = min(weights[region], city * 0.99)
        return weights

    def _districts(
        self, keys: list[str], postings: tuple[IntArray, IntArray], population: FloatArray
    ) -> FloatArray:
        """How much smaller each own-name entry counts: a city's districts, whose names begin
        with the city's and which lie within about 20 km of a more populous place of that name
        in the same country ("Lyon 03", "Paris 15 Vaugirard", "Marseille Vauban"), a thousand
        times, so that "Lyon" offers Lyon before its arrondissements; every other place once."""
        key_index, place = postings
        known = set(keys)
        districts = []
        for at, k in enumerate(key_index.tolist()):
            words = keys[k].split(" ")
            for count in range(1, len(words)):
                base = " ".join(words[:count])
                if base in known:
                    districts.append((at, base))
        bases = {base for _, base in districts}
        named: dict[str, list[int]] = {}
        for k, p in zip(key_index.tolist(), place.tolist(), strict=True):
            if keys[k] in bases:
                named.setdefault(keys[k], []).append(p)
        divisor = np.ones(place.shape[0], dtype=np.float64)
        lats, lons = self.places.latitudes.array, self.places.longitudes.array
        for at, base in districts:
            p = int(place[at])
            if any(
                population[city] > population[p]
                and self.country_of[city] == self.country_of[p]
                and abs(float(lats[city]) - float(lats[p])) <= _DISTRICT_DEGREES
                and abs(float(lons[city]) - float(lons[p])) <= _DISTRICT_DEGREES
                for city in named.get(base, ())
            ):
                divisor[at] = _DISTRICT_PENALTY
        return divisor

    @staticmethod
    def _biggest_named(
        prim_keys: list[str],
        prim: tuple[IntArray, IntArray],
        alt_keys: list[str],
        alt: tuple[IntArray, IntArray],
        population: FloatArray,
    ) -> dict[str, float]:
        """The population of the most populous city of each name of a million people or more."""
        out: dict[str, float] = {}
        for keys, (key_index, place) in ((prim_keys, prim), (alt_keys, alt)):
            big = population[place] >= _CITY_BEFORE_REGION
            for k, p in zip(key_index[big].tolist(), population[place][big].tolist(), strict=True):
                out[keys[k]] = max(out.get(keys[k], 0.0), p)
        return out

    def site_boost(self, site_places: Iterable[SitePlace]) -> FloatArray:
        """How much each place counts: three times for a gazetteer city that trial sites name
        (found by its name, within about 40 km of the sites' coordinates)."""
        boost = np.ones(len(self.country_of), dtype=np.float64)
        places = [p for p in site_places if p[0] and p[3] is not None and p[4] is not None]
        lats = self.places.latitudes.array
        lons = self.places.longitudes.array
        for key, (_, _, country, latitude, longitude) in zip(
            fold_many([p[0] or "" for p in places]), places, strict=True
        ):
            at = bisect.bisect_left(self.keys, key)
            if at == len(self.keys) or self.keys[at] != key or latitude is None or longitude is None:
                continue
            found = self.entry_place[self.starts[at] : self.starts[at + 1]]
            found = found[found < len(self.places)]
            near = (np.abs(lats[found] - latitude) <= _SITE_MATCH_DEGREES) & (
                np.abs(lons[found] - longitude) <= _SITE_MATCH_DEGREES
            )
            code = country_code(country or "")
            if code is not None and code in self._country_ids:
                near &= self.country_of[found] == self._country_ids[code]
            boost[found[near]] = _SITE_BOOST
        return boost

    # --- names ----------------------------------------------------------------------------

    def names(self, text: str, limit: int, boost: FloatArray | None) -> list[PlaceSuggestion]:
        chosen: dict[int, tuple[float, int]] = {}
        for reading in self._readings(text):
            for score, entry in self._best(reading, limit, boost):
                place = int(self.entry_place[entry])
                if place not in chosen or chosen[place][0] < score:
                    chosen[place] = (score, entry)
        ranked = sorted(chosen.items(), key=lambda item: (-item[1][0], item[0]))
        out: list[PlaceSuggestion] = []
        labels: set[str] = set()
        for place, (_, entry) in ranked:
            suggestion = self._suggestion(place, entry)
            if suggestion.label in labels:
                continue
            labels.add(suggestion.label)
            out.append(suggestion)
            if len(out) == limit:
                break
        return out

    def _readings(self, text: str) -> list[_Reading]:
        """ "Lyon, Fr" -> (lyon | fr...); "Palo Alto CA" -> (palo alto ca...) and (palo alto | ca...)."""
        parts = text.split(",")
        name, qualifier_texts = parts[0], parts[1:]
        ends_word = bool(qualifier_texts) or text[-1:].isspace()
        qualifiers: list[tuple[Region, ...]] = []
        for index, qualifier in enumerate(qualifier_texts):
            last = index == len(qualifier_texts) - 1 and not text[-1:].isspace()
            key = fold(qualifier)
            if not key:
                continue
            regions = self._qualifier(key, begun=last, shortest=1)
            if not regions:
                return []  # a qualifier that names nothing: no place fits
            qualifiers.append(regions)
        readings = []
        name_key = fold(name)
        if name_key:
            readings.append(_Reading(self._prefixes(name, name_key, ends_word), name_key, tuple(qualifiers)))
        words = name_key.split()
        if not qualifier_texts and not ends_word:
            for count in (3, 2, 1):  # trailing words as a qualifier being typed: "Palo Alto CA"
                if len(words) > count and len(" ".join(words[-count:])) >= _SHORTEST_QUALIFIER:
                    regions = self._qualifier(" ".join(words[-count:]), begun=True)
                    if regions:
                        head = " ".join(words[:-count])
                        readings.append(_Reading((head,), head, (regions,)))
        return readings

    @staticmethod
    def _prefixes(name: str, key: str, ends_word: bool) -> tuple[str, ...]:
        """The folded prefixes the name may begin: a complete last word ends in a space ("new "
        does not offer Newark), and a last word "St" being typed is also "st" ("Stockholm")."""
        if ends_word:
            return (key + " ",)
        last = name.split()[-1].lower() if name.split() else ""
        if last in _ABBREVIATIONS:
            head = key.rsplit(" ", 1)[0] + " " if " " in key else ""
            return (key, head + last)
        return (key,)

    def _qualifier(self, key: str, *, begun: bool, shortest: int = _SHORTEST_QUALIFIER) -> tuple[Region, ...]:
        """The regions a qualifier names (a code, a name), or, when it is being typed, begins to
        name (at least `shortest` letters: after a comma one, "Paris, T"; a trailing word two)."""
        tables = region_tables()
        found = list(tables.by_code.get(key, ()))
        for region in (tables.states_by_name.get(key), tables.countries_by_name.get(key)):
            if region is not None:
                found.append(region)
        if begun and len(key) >= shortest:
            at = bisect.bisect_left(self._qualifier_keys, key)
            end = bisect.bisect_left(self._qualifier_keys, key + _AFTER)
            found.extend(region for _, region in self.qualifier_names[at:end])
        return tuple(dict.fromkeys(Region(r.country, r.admin1, "") for r in found))

    def _best(self, reading: _Reading, limit: int, boost: FloatArray | None) -> list[tuple[float, int]]:
        """(score, entry) of the best entries under the reading's prefixes, best first."""
        ranges = []
        for prefix in reading.prefixes:
            low = bisect.bisect_left(self.keys, prefix)
            high = bisect.bisect_left(self.keys, prefix + _AFTER)
            ranges.append(np.arange(self.starts[low], self.starts[high]))
        if reading.prefixes[0].endswith(" "):  # the name in full is a name too ("new ": New, ...)
            at = bisect.bisect_left(self.keys, reading.exact)
            if at < len(self.keys) and self.keys[at] == reading.exact:
                ranges.append(np.arange(self.starts[at], self.starts[at + 1]))
        entries = np.unique(np.concatenate(ranges)) if len(ranges) > 1 else ranges[0]
        if entries.size == 0:
            return []
        places = self.entry_place[entries]
        if reading.qualifiers:
            fits = np.ones(entries.shape[0], dtype=bool)
            for regions in reading.qualifiers:
                fits &= self._lies_in(places, regions)
            entries, places = entries[fits], places[fits]
            if entries.size == 0:
                return []
        scores = self.entry_weight[entries]
        if boost is not None:
            scores = scores * boost[places]
        exact = bisect.bisect_left(self.keys, reading.exact)
        typed_in_full = self.entry_key[entries] == exact
        if exact < len(self.keys) and self.keys[exact] == reading.exact:
            scores = np.where(typed_in_full, scores * _EXACT_BOOST, scores)
        else:
            typed_in_full[:] = False
        kinds = self.entry_kind[entries]
        scores = np.where((kinds == _OTHER) & ~typed_in_full, scores / _BEGUN_ALTERNATE_PENALTY, scores)
        keep = (kinds != _ALIAS) | typed_in_full
        if not keep.all():
            entries, scores = entries[keep], scores[keep]
            if entries.size == 0:
                return []
        # Enough of the best that, after places named twice are merged, `limit` remain.
        take = min(entries.shape[0], 4 * limit + 16)
        top = np.argpartition(-scores, take - 1)[:take] if take < entries.shape[0] else np.arange(take)
        top = top[np.lexsort((entries[top], -scores[top]))]
        return list(zip(scores[top].tolist(), entries[top].tolist(), strict=True))

    def _lies_in(self, places: npt.NDArray[np.int32], regions: Sequence[Region]) -> npt.NDArray[np.bool_]:
        fits = np.zeros(places.shape[0], dtype=bool)
        countries = self.country_of[places]
        admin1 = self.admin1_of[places]
        for region in regions:
            country = self._country_ids.get(region.country)
            if country is None:
                continue
            if region.admin1 is None:
                fits |= countries == country
            else:
                fits |= (countries == country) & (admin1 == self._admin1_ids.get(region.admin1, -1))
        return fits

    def _suggestion(self, place: int, entry: int) -> PlaceSuggestion:
        other = string.capwords(self.keys[int(self.entry_key[entry])]) if self.entry_kind[entry] else None
        cities = len(self.places)
        if place >= cities:
            region = self.regions[place - cities]
            latitude, longitude = self.places.centre(region) or (0.0, 0.0)
            country = self.country_labels.get(region.country, region.country)
            if region.admin1 is None:
                return PlaceSuggestion(
                    label=country,
                    value=_value(country, PlaceKind.COUNTRY, latitude, longitude),
                    kind=PlaceKind.COUNTRY,
                    latitude=latitude,
                    longitude=longitude,
                    country_code=region.country,
                )
            name = self.region_names[place - cities]
            label = f"{name}, {country}"
            is_us_state = region.country == "US" and region.admin1 in US_STATES
            return PlaceSuggestion(
                label=label,
                value=region.admin1
                if is_us_state and region.admin1
                else _value(label, PlaceKind.STATE, latitude, longitude),
                kind=PlaceKind.STATE,
                latitude=latitude,
                longitude=longitude,
                country_code=region.country,
                state=name,
            )
        places = self.places
        country_iso, admin1 = places.countries[place], places.admin1[place]
        state = self.state_names.get((country_iso, admin1))
        parts = (places.names[place], state, self.country_labels.get(country_iso, country_iso))
        label = ", ".join(part for part in parts if part)
        latitude, longitude = places.latitudes[place], places.longitudes[place]
        return PlaceSuggestion(
            label=label,
            value=_value(label, PlaceKind.CITY, latitude, longitude),
            kind=PlaceKind.CITY,
            latitude=latitude,
            longitude=longitude,
            country_code=country_iso,
            state=state,
            also_named=other,
        )

    # --- ZIP codes ------------------------------------------------------------------------

    def zip_codes(self, text: str, limit: int) -> list[PlaceSuggestion]:
        """The US ZIP codes that begin with the text's digits, in numeric order."""
        match = _ZIP_PREFIX.fullmatch(text)
        if match is None:
            return []
        if self._zips is None:
            with self._lock:
                if self._zips is None:
                    self._zips = sorted(us_postal().zips)
        zips = self._zips
        digits = match[1]
        at = bisect.bisect_left(zips, digits)
        out = []
        postal = us_postal().zips
        for code in zips[at : at + limit]:
            if not code.startswith(digits):
                break
            place = postal[code]
            label = f"{place.city}, {place.state} {code}"
            out.append(
                PlaceSuggestion(
                    label=label,
                    value=code,
                    kind=PlaceKind.ZIP,
                    latitude=place.latitude,
                    longitude=place.longitude,
                    country_code=place.state if place.state in _TERRITORIES else "US",
                    state=US_STATES.get(place.state),
                )
            )
        return out


@functools.lru_cache(maxsize=1 << 16)
def _value(label: str, kind: PlaceKind, latitude: float, longitude: float) -> str:
    """What to send for this place: its label, when `resolve_place` reads the label back as
    this place, else its coordinates ("Georgia" is the US state, so the country is sent as
    its point; so is the smaller of two towns of one name in one region)."""
    try:
        place = resolve_place(label)
    except TrialscoutError:
        place = None
    if (
        place is not None
        and place.kind is kind
        and distance_km(place.latitude, place.longitude, latitude, longitude) <= _SAME_PLACE_KM
    ):
        return label
    return format_coordinates(latitude, longitude)


def _postings(places: Gazetteer, *, alternate: bool) -> tuple[list[str], tuple[IntArray, IntArray]]:
    """The gazetteer's own-name (or other-name) postings: the keys, and (key index, place) per
    entry. Read from its arrays at once (a lookup per key would take seconds)."""
    arrays = places.postings_arrays(alternate=alternate)
    blob = np.asarray(arrays["blob"]).tobytes().decode("ascii")
    offsets = np.asarray(arrays["offsets"]).tolist()
    keys = [blob[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    starts = np.asarray(arrays["starts"], dtype=np.int64)
    items = np.asarray(arrays["items"], dtype=np.int64)
    key_index = np.repeat(np.arange(len(keys), dtype=np.int64), np.diff(starts))
    return keys, (key_index, items)


_completer: PlaceCompleter | None = None
_lock = threading.Lock()


def place_completer() -> PlaceCompleter:
    """The completer over the gazetteer, built on first use (loading the gazetteer when no one
    has yet) and kept for the process."""
    global _completer
    if _completer is None:
        with _lock:
            if _completer is None:
                _completer = PlaceCompleter(_Tables(gazetteer()))
    return _completer


def complete_place(
    text: str, limit: int = DEFAULT_LIMIT, *, site_places: Iterable[SitePlace] | None = None
) -> list[PlaceSuggestion]:
    """Up to `limit` places that `text` begins to name, best first (see the module docstring).

    With `site_places`, the places trial sites name rank higher; a caller that completes many
    texts should build the completer once (`place_completer().with_sites(...)`) instead.
    """
    completer = place_completer()
    if site_places is not None:
        completer = completer.with_sites(site_places)
    return completer.complete(text, limit)
