"""Candidate diagnoses from a note's findings: "webbed neck, short stature, primary amenorrhea"
suggests Turner syndrome.

`note_findings(text)` finds the Human Phenotype Ontology's findings a note names (a term's name or
an EXACT synonym, on word boundaries, whatever the case, the longest first; plurals and British
spellings read as the ontology's: "seizures", "amenorrhoea"), each told whether the note denies
it ("denies chest pain", "no fever"). What the note says of a relative, or only considers ("to
rule out"), is left out; so are terms too generic to tell anything (the ontology's top levels,
terms most diseases have, a stop list of common words) and terms that are no finding (modes of
inheritance, onset, frequency).

`suggest_diagnoses(findings)` scores every disease of the ontology's annotations by a naive-Bayes
likelihood ratio over the findings, in the manner of phenotype-driven ranking (Köhler et al. 2009,
the Phenomizer; Robinson et al. 2020, LIRICAL), with the information content of a term
(`trialscout.concepts.hpo.information_content`) standing for how rare a finding is among diseases:

- a finding the disease is annotated with, or annotated with a term below it or close above it,
  counts ``IC(t) + log(frequency)``, t the most informative term the finding and the disease's
  annotations share (so "amenorrhoea" supports a disease annotated with "primary amenorrhea", at
  the frequency the annotation gives); a finding it does not explain counts `UNEXPLAINED`, one
  it is annotated NOT to have `CONTRADICTED`;
- a finding the note denies counts ``log(1 - frequency)`` against a disease that has it;
- a disease whose frequent findings are of one sex's genitalia or menstruation (Turner syndrome:
  primary amenorrhea) is not suggested for a patient of the other sex.

A disease is suggested only when at least two findings support it (the finding itself or a term
close to it, not a broad organ system). Its ``score`` is its share of the likelihood among the
diseases suggested (a posterior under equal priors), so the scores of one note add up to at most 1.
Diseases of the same name in OMIM and Orphanet are one candidate.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence

import ahocorasick_rs
import msgspec
import numpy as np
import numpy.typing as npt

from trialscout.concepts.hpo import (
    PHENOTYPIC_ABNORMALITY,
    ancestors,
    hpo_diseases,
    hpo_terms,
    information_content,
    readable_name,
)
from trialscout.eligibility.model import Span
from trialscout.eligibility.text import matchable
from trialscout.model.patient import CandidateDiagnosis
from trialscout.patients.note_context import Assertion, NoteContext

# What a finding counts for a disease, as the log of a likelihood ratio.
UNEXPLAINED = -1.0  # the disease is not annotated with it nor with anything close to it
CONTRADICTED = -4.0  # the disease is annotated NOT to have it
# A finding's term counts only above this information content (the top levels say nothing).
MIN_FINDING_IC = 1.0
# A shared term at or above this information content counts (below: everything has it).
MIN_SHARED_IC = 0.5
# A finding supports a disease through a shared term no more than this less informative than it.
SUPPORT_SLACK = 1.0
# ... and it must count for the disease at least this much.
MIN_SUPPORT = 1.0
# A denied finding the disease has in at least this share of patients is listed against it.
USUALLY = 0.5
# A finding of one sex's genitalia in at least this share of patients makes a disease that sex's.
SEX_SPECIFIC = 0.5
_FEMALE = ("HP:0010460", "HP:0030012")  # female genitalia; female reproductive physiology
_MALE = ("HP:0010461", "HP:0012874")  # male genitalia; male reproductive physiology

# One-word names of findings that are common words of notes and say nothing on their own.
_STOP_WORDS = frozenset(
    {
        *("pain", "mass", "death", "fatigue", "tumor", "tumour", "neoplasm", "cancer"),
        *("lesion", "abnormality", "malformation", "weakness", "swelling", "infection", "inflammation"),
        *("bleeding", "lethargy", "anxiety", "depression", "stress", "dullness", "aspiration", "fall"),
    }
)


class NoteFinding(msgspec.Struct, frozen=True):
    """A finding named in the note: its HPO term, the note's words at [start, end), and whether
    the note denies it."""

    hpo_id: str
    name: str
    start: int
    end: int
    negated: bool


# ------------------------------------------------------------------------------- finding names

_TOKEN = re.compile(r"[^\W_]+")
_BRITISH = re.compile(r"(?<=[a-z])[ao]e|^oe|^ae")


@functools.lru_cache(maxsize=65536)
def _token_key(word: str) -> str:
    """A word as compared: lower case, "oe"/"ae" as "e" (oedema, haemorrhage), no plural -s."""
    word = _BRITISH.sub("e", word.lower())
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def _key(text: str) -> str:
    return " ".join(_token_key(word) for word in _TOKEN.findall(text))


class _Lexicon:
    def __init__(self) -> None:
        terms = hpo_terms()
        ic = information_content()
        keys: dict[str, tuple[int, str]] = {}  # key -> (priority, hpo id); a name beats a synonym
        for term in terms.values():
            if ic.get(term.id, 0.0) < MIN_FINDING_IC or PHENOTYPIC_ABNORMALITY not in ancestors(term.id):
                continue
            if PHENOTYPIC_ABNORMALITY in term.parents:
                continue  # an organ system: "Abnormality of the eye"
            if _key(term.name) in _STOP_WORDS:
                continue  # and its synonyms ("Fatigue": "tired")
            for priority, words in enumerate((term.name, *term.synonyms)):
                if len(words) <= 6 and words == words.upper():
                    continue  # an abbreviation: too many senses in notes
                key = _key(words)
                if len(key) < 4 or key in _STOP_WORDS:
                    continue
                rank = (min(priority, 1), term.id)
                if key not in keys or rank < keys[key]:
                    keys[key] = rank
        self.keys = list(keys)
        self.ids = [keys[key][1] for key in self.keys]
        self.automaton = ahocorasick_rs.AhoCorasick([f" {key} " for key in self.keys])

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, hpo id) of each finding named in ``text``, leftmost-longest."""
        words = [(m.start(), m.end(), _token_key(m.group(0))) for m in _TOKEN.finditer(text)]
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        pieces = [" "]
        position = 1
        for start, end, word in words:
            starts[position] = start
            pieces.append(word)
            position += len(word)
            ends[position] = end
            pieces.append(" ")
            position += 1
        found = sorted(
            (starts[s + 1], ends[e - 1], index)
            for index, s, e in self.automaton.find_matches_as_indexes("".join(pieces), True)
        )
        found.sort(key=lambda m: (m[0], m[0] - m[1]))
        mentions = []
        reached = 0
        for start, end, index in found:
            if start >= reached:
                mentions.append((start, end, self.ids[index]))
                reached = end
        return mentions


@functools.cache
def _lexicon() -> _Lexicon:
    return _Lexicon()


def note_findings(text: str) -> list[NoteFinding]:
    """The ontology's findings the note names as the patient's, in the note's order; a denied
    one has ``negated``. Never raises on any text."""
    if not isinstance(text, str) or not text.strip():
        return []
    view = matchable(text)
    context = NoteContext(view)
    terms = hpo_terms()
    findings = []
    for start, end, hpo_id in _lexicon().find(view):
        assertion = context.assertion(Span(start, end))
        if assertion not in (Assertion.PRESENT, Assertion.NEGATED):
            continue
        findings.append(
            NoteFinding(
                hpo_id=hpo_id,
                name=terms[hpo_id].name,
                start=start,
                end=end,
                negated=assertion is Assertion.NEGATED,
            )
        )
    return findings


# ------------------------------------------------------------------------------- the diseases


_NUMBERED = re.compile(r"(?:,\s*(?:type\s+)?|\s+(?:type\s+)?)\d+[A-Za-z]?$")


class _Index:
    """For each term, the diseases annotated with it or a term below it and the log of the
    highest frequency of those annotations: one sorted slice of flat arrays per term."""

    def __init__(self) -> None:
        terms = hpo_terms()
        ic = information_content()
        diseases = list(hpo_diseases())
        self.diseases = diseases
        self.term_ids = list(terms)
        self.position = {hpo_id: i for i, hpo_id in enumerate(self.term_ids)}
        self.ic = np.array([ic[i] for i in self.term_ids])
        # each term's own position and those of its ancestors informative enough to share
        own_and_above: list[list[int]] = []
        for hpo_id in self.term_ids:
            above = [self.position[a] for a in ancestors(hpo_id) if ic[a] >= MIN_SHARED_IC]
            own_and_above.append([self.position[hpo_id], *above])
        lengths = np.array([len(a) for a in own_and_above])
        flat = np.array([p for a in own_and_above for p in a], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        ann_term, ann_disease, ann_share = [], [], []
        for d, disease in enumerate(diseases):
            for hpo_id, share in disease.phenotypes:
                p = self.position.get(hpo_id)
                if p is not None:
                    ann_term.append(p)
                    ann_disease.append(d)
                    ann_share.append(share)
        term_arr = np.array(ann_term, dtype=np.int64)
        counts = lengths[term_arr]
        rows = np.repeat(np.arange(len(term_arr)), counts)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        shared = flat[offsets[term_arr][rows] + within]
        disease_arr = np.array(ann_disease, dtype=np.int64)[rows]
        share_arr = np.array(ann_share)[rows]
        key = shared * len(diseases) + disease_arr
        order = np.argsort(key, kind="stable")
        key, share_arr = key[order], share_arr[order]
        first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        key, share_arr = key[first], np.maximum.reduceat(share_arr, first)  # the highest share of each
        term_of = key // len(diseases)
        self.disease_of = key % len(diseases)
        self.log_share = np.log(np.maximum(share_arr, 0.01))
        self.share = share_arr
        self.bounds = np.searchsorted(term_of, np.arange(len(self.term_ids) + 1))
        self.excluded: dict[int, list[int]] = {}
        for d, disease in enumerate(diseases):
            for hpo_id in disease.excluded:
                p = self.position.get(hpo_id)
                if p is not None:
                    self.excluded.setdefault(p, []).append(d)
        self.female = self._sex_specific(_FEMALE, _MALE)
        self.male = self._sex_specific(_MALE, _FEMALE)
        # a numbered form by its family's name: "Alzheimer disease 4", "Hemochromatosis, type 1"
        self.names = [_NUMBERED.sub("", readable_name(d.name)) or d.name for d in diseases]

    def slice(self, position: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        low, high = self.bounds[position], self.bounds[position + 1]
        return self.disease_of[low:high], self.log_share[low:high]

    def shares(self, position: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        low, high = self.bounds[position], self.bounds[position + 1]
        return self.disease_of[low:high], self.share[low:high]

    def _sex_specific(self, own: tuple[str, ...], other: tuple[str, ...]) -> npt.NDArray[np.bool_]:
        """The diseases with a frequent finding of ``own`` sex's and none of the ``other``'s."""
        mask = np.zeros(len(self.diseases), dtype=bool)
        for root in own:
            where, share = self.shares(self.position[root])
            mask[where[share >= SEX_SPECIFIC]] = True
        for root in other:
            mask[self.shares(self.position[root])[0]] = False
        return mask


@functools.cache
def _index() -> _Index:
    return _Index()


def suggest_diagnoses(
    findings: Sequence[NoteFinding], *, sex: str | None = None, age: float | None = None, limit: int = 5
) -> list[CandidateDiagnosis]:
    """The diseases the findings fit best, best first (at most ``limit``), each supported by at
    least two of them. ``sex`` ("female"/"male") rules out diseases of the other sex's organs;
    ``age`` is not used yet. Nothing when fewer than two findings are present."""
    del age  # the annotations' onsets are not read yet
    present, denied = _distinct(findings)
    if len(present) < 2 or limit <= 0:
        return []
    index = _index()
    total = np.zeros(len(index.diseases))
    supports: list[tuple[str, npt.NDArray[np.bool_]]] = []
    for hpo_id, name in present:
        best, support = _counts(index, index.position[hpo_id])
        total += best
        supports.append((name, support))
    support_count = np.sum([s for _, s in supports], axis=0)
    against: list[tuple[str, npt.NDArray[np.int64]]] = []
    for hpo_id, name in denied:
        where, share = index.shares(index.position[hpo_id])
        total[where] += np.log1p(-np.minimum(share, 0.95))
        against.append((name, where[share >= USUALLY]))
    eligible = support_count >= 2
    if sex == "male":
        eligible &= ~index.female
    elif sex == "female":
        eligible &= ~index.male
    candidates = np.flatnonzero(eligible)
    if not len(candidates):
        return []
    # best first; at a tie the shorter name, usually the broader entity ("Turner syndrome")
    ranked = sorted(candidates.tolist(), key=lambda d: (-round(float(total[d]), 6), len(index.names[d])))
    groups = _merged(ranked[:200], index.names)
    best_total = float(total[ranked[0]])
    weights = [math.exp(float(total[group[0]]) - best_total) for _, group in groups]
    whole = sum(weights)
    suggestions = []
    for (name, group), weight in list(zip(groups, weights, strict=True))[:limit]:
        head = group[0]
        suggestions.append(
            CandidateDiagnosis(
                name=name,
                concepts=tuple(index.diseases[d].id for d in group),
                score=round(weight / whole, 3),
                supporting=tuple(finding_label(name) for name, support in supports if support[head]),
                against=tuple(finding_label(name) for name, where in against if head in where),
            )
        )
    return suggestions


def _merged(ranked: Sequence[int], names: Sequence[str]) -> list[tuple[str, list[int]]]:
    """The ranked diseases as candidates: one per name, and a form named by another's name and
    more words ("Neonatal Marfan syndrome", "Mosaic monosomy X syndrome") with it, under the
    shorter name; each group in the order of its best disease, that disease first."""
    groups: list[tuple[str, str, list[int]]] = []  # (key, name, diseases)
    for d in ranked:
        key = f" {_key(names[d])} "
        for i, (other, _, group) in enumerate(groups):
            if key in other or other in key:
                group.append(d)
                if len(key) < len(other):
                    groups[i] = (key, names[d], group)
                break
        else:
            groups.append((key, names[d], [d]))
    return [(name, group) for _, name, group in groups]


def _counts(index: _Index, position: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """What one present finding counts for each disease, and whether it supports it."""
    count = np.full(len(index.diseases), UNEXPLAINED)
    support = np.zeros(len(index.diseases), dtype=bool)
    own_ic = float(index.ic[position])
    shared = [position] + [
        index.position[a]
        for a in ancestors(index.term_ids[position])
        if index.ic[index.position[a]] >= MIN_SHARED_IC
    ]
    for p in shared:
        where, log_share = index.slice(p)
        value = index.ic[p] + log_share
        count[where] = np.maximum(count[where], value)
        if p == position or index.ic[p] >= own_ic - SUPPORT_SLACK:
            support[where] |= value >= MIN_SUPPORT
    for d in index.excluded.get(position, ()):
        count[d] = CONTRADICTED
        support[d] = False
    return count, support


def _distinct(findings: Sequence[NoteFinding]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The findings present and those denied, each once (present wins), in the note's order;
    a present finding above another one present is dropped (the narrower says it)."""
    terms = hpo_terms()
    present: dict[str, str] = {}
    denied: dict[str, str] = {}
    for finding in findings:
        if finding.hpo_id not in terms:
            continue
        (denied if finding.negated else present).setdefault(finding.hpo_id, finding.name)
    above = set().union(*(ancestors(i) for i in present)) if present else set()
    kept = [(i, n) for i, n in present.items() if i not in above]
    return kept, [(i, n) for i, n in denied.items() if i not in present]


def finding_label(name: str) -> str:
    """A finding's name as `CandidateDiagnosis.supporting` lists it, inside a sentence:
    "Short stature" -> "short stature"; "IgA deficiency" stays."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]
