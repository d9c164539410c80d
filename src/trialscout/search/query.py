"""What a person types, turned into a text-index query that cannot fail.

trialscout never hands user text to a query grammar: it reads it itself. Supported:

- free words: ``lung cancer pembrolizumab``. A short query (up to eight searchable words) is
  read as "trials about these words": every word must appear in what a trial is about (title,
  conditions, keywords, interventions, sponsor); its summary and eligibility text only add to
  the rank. When no trial qualifies, the words may appear anywhere, and then only most of them
  (`Strictness`). A phrase match of the words ranks higher than the words scattered.
- a long query (a whole patient description) ranks trials by the words they share (BM25 over
  all their text);
- hyphenated words are phrases (``non-small``, ``COVID-19``), and standard abbreviations
  match their full forms and back (``NSCLC`` = ``non-small cell lung cancer``, see `synonyms`);
- phrases in quotes: ``"brain metastases"`` (straight or typographic quotes), anywhere in a trial;
- one field: ``condition:asthma``, ``intervention:"cell therapy"``, ``sponsor:AstraZeneca``,
  ``title:...``, ``nct:NCT01234567`` (an NCT ID anywhere is looked up as one);
- everything else (operators, brackets, emoji, control characters) is read as text.

Words are analysed exactly as the index analyses them (see `schema.analyzer`), so stop words
and punctuation alone make no query: `ParsedQuery.is_empty` tells the caller. A query of any
length (a whole note) is read in time proportional to its length, so it needs no limit.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from enum import IntEnum

import msgspec
import tantivy

from trialscout.concepts.about import OPEN
from trialscout.model.nct import normalise_nct_id
from trialscout.search.schema import ALL_TEXT, TEXT_FIELDS, analyzer
from trialscout.search.synonyms import EQUIVALENT_FORMS

#: Up to this many searchable words, every word is required.
SHORT_QUERY_TERMS = 8
#: When no trial has every word of a short query, at least this share of them.
RELAXED_SHARE = 0.6
#: The fields that say what a trial is about.
ABOUT_FIELDS = ("title", "condition", "keyword", "intervention", "sponsor")

FIELD_ALIASES = {
    "condition": "condition",
    "conditions": "condition",
    "disease": "condition",
    "intervention": "intervention",
    "interventions": "intervention",
    "drug": "intervention",
    "treatment": "intervention",
    "sponsor": "sponsor",
    "title": "title",
    "nct": "nct_id",
    "id": "nct_id",
    "nct_id": "nct_id",
}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_TOKEN = re.compile(r'(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>\S+))')
_NCT = re.compile(r"^nct\s*-?\d{1,8}$", re.IGNORECASE)
_HYPHENATED = re.compile(r"\w+(?:[-‐‑–/]\w+)+")

Terms = tuple[str, ...]
#: One required part of a query: alternatives, any of which will do (each a word or a phrase).
Group = tuple[Terms, ...]


class Strictness(IntEnum):
    """How a short query is matched, strictest first; the engine relaxes while nothing matches."""

    ABOUT = 0  # every word in what the trial is about
    ANYWHERE = 1  # every word anywhere in the trial
    MOST = 2  # most of the words, anywhere


class FieldClause(msgspec.Struct, frozen=True):
    field: str
    text: str
    phrase: bool


class ParsedQuery(msgspec.Struct, frozen=True):
    """A query as read from the user's text."""

    text: str
    words: Terms  # every analysed term of the free text, in order, without repeats
    groups: tuple[Group, ...]  # the free text as required parts (words, hyphenated, abbreviations)
    phrases: tuple[Terms, ...]  # analysed terms of each quoted phrase
    fields: tuple[FieldClause, ...]
    nct_ids: tuple[str, ...]
    ranked: bool = False  # rank by the words shared however few they are (a patient's profile)
    free: str = ""  # the free text (what is not a phrase, a field or an NCT ID)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.fields or self.nct_ids)

    @property
    def is_long(self) -> bool:
        return self.ranked or len(self.words) > SHORT_QUERY_TERMS


@functools.cache
def _analyzer() -> tantivy.TextAnalyzer:
    return analyzer()


def terms(text: str) -> list[str]:
    """The index terms of a text, in order (analysed as the index analyses text fields)."""
    return _analyzer().analyze(text)


@functools.cache
def _equivalents() -> dict[Terms, Group]:
    """Each analysed form of an abbreviation table entry -> all its analysed forms."""
    table: dict[Terms, Group] = {}
    for forms in EQUIVALENT_FORMS:
        analysed = tuple(dict.fromkeys(t for t in (tuple(terms(f)) for f in forms) if t))
        for form in analysed:
            table[form] = analysed
    return table


def _pieces(text: str) -> list[Terms]:
    """Free text -> its words in order, each hyphenated word as one multi-term piece."""
    pieces: list[Terms] = []
    position = 0
    for match in _HYPHENATED.finditer(text):
        pieces.extend((t,) for t in terms(text[position : match.start()]))
        phrase = tuple(terms(match.group(0)))
        if phrase:
            pieces.append(phrase)
        position = match.end()
    pieces.extend((t,) for t in terms(text[position:]))
    return pieces


@functools.cache
def _longest_form() -> int:
    """The most terms an abbreviation-table form has."""
    return max((len(form) for form in _equivalents()), default=0)


def _groups(text: str) -> list[Group]:
    """Free text -> its required parts: abbreviation-table forms (longest first, on word
    boundaries) with all their equivalents, else each word or hyphenated word on its own.

    Only runs of pieces no longer than the table's longest form are tried at each place, so a
    text is read in time proportional to its length."""
    pieces = _pieces(text)
    table = _equivalents()
    longest = _longest_form()
    groups: list[Group] = []
    start = 0
    while start < len(pieces):
        forms: list[Terms] = []  # the runs of pieces from ``start`` that could be a form
        form: Terms = ()
        for piece in pieces[start : start + longest]:  # each piece has at least one term
            form += piece
            if len(form) > longest:
                break
            forms.append(form)
        for length in range(len(forms), 0, -1):
            if forms[length - 1] in table:
                groups.append(table[forms[length - 1]])
                start += length
                break
        else:
            groups.append((pieces[start],))
            start += 1
    return list(dict.fromkeys(groups))


def parse(text: str) -> ParsedQuery:
    """Read a query string of any characters."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text.translate(_QUOTES))
    free: list[str] = []
    phrases: list[Terms] = []
    fields: list[FieldClause] = []
    nct_ids: list[str] = []
    if cleaned.count('"') % 2:  # an unmatched quote is just a character
        cleaned = cleaned.replace('"', " ")
    for match in _TOKEN.finditer(cleaned):
        field, phrase, word = match.group("field"), match.group("phrase"), match.group("word")
        target = FIELD_ALIASES.get(field.lower()) if field else None
        value = phrase if phrase is not None else (word or "")
        if target == "nct_id" or (target is None and field is None and _NCT.match(value.strip())):
            nct = normalise_nct_id(value)
            if nct is not None:
                nct_ids.append(nct)
                continue
        if target is not None:
            fields.append(FieldClause(target, value, phrase is not None))
        elif phrase is not None:
            phrases.append(tuple(terms(phrase)))
        else:
            free.append(match.group(0))  # an unknown "field:" stays part of the words
    free_text = " ".join(free)
    return ParsedQuery(
        text=text,
        words=tuple(dict.fromkeys(terms(free_text))),
        groups=tuple(_groups(free_text)),
        phrases=tuple(p for p in phrases if p),
        fields=tuple(f for f in fields if terms(f.text)),
        nct_ids=tuple(dict.fromkeys(nct_ids)),
        free=free_text,
    )


class QueryConcept(msgspec.Struct, frozen=True, kw_only=True):
    """A concept the free text names (`trialscout.concepts`), as a search uses it: a trial
    about it has one of ``keys`` among its concepts (its conditions' concepts and every broader
    one); a trial about a broader concept has one of ``broader`` among its own; ``near`` are the
    keys of the concepts next to it that a text match confuses with it (its siblings);
    ``words`` are the query's terms the concept stands for."""

    label: str
    ids: tuple[str, ...]
    keys: tuple[str, ...]
    broader: tuple[str, ...]
    near: tuple[str, ...]
    parents: tuple[str, ...] = ()  # keys of the broader tumour a narrower tumour is a kind of
    words: Terms
    text: str = ""  # the query's words it was read from (in their normal form)


# --- building the query -------------------------------------------------------------------


def _should(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    return (
        queries[0]
        if len(queries) == 1
        else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])
    )


#: Up to this many values, `any_term` reads each value's postings; past it, one term set.
_TERM_UNION_MAX = 64


def any_term(schema: tantivy.Schema, field: str, values: Sequence[str]) -> tantivy.Query:
    """Documents holding any of ``values`` in a keyword field, for a clause whose score is
    not used (a filter, an exclusion, a constant score): the same documents as tantivy's term
    set query, which first marks every match in a bitset the size of each segment (about 10 ms
    per clause at 400,000 trials, whatever the rest of the query keeps), while a union of term
    queries is read only as far as the other clauses need it."""
    unique = list(dict.fromkeys(values))
    if len(unique) == 1:
        return tantivy.Query.term_query(schema, field, unique[0])
    if not unique or len(unique) > _TERM_UNION_MAX:
        return tantivy.Query.term_set_query(schema, field, unique)
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, v)) for v in unique]
    )


def _phrase(schema: tantivy.Schema, field: str, words: Sequence[str], slop: int = 0) -> tantivy.Query:
    if len(words) == 1:
        return tantivy.Query.term_query(schema, field, words[0])
    positioned: list[str | tuple[int, str]] = list(words)
    return tantivy.Query.phrase_query(schema, field, positioned, slop)


def _alternative(schema: tantivy.Schema, words: Terms, fields: Sequence[str]) -> tantivy.Query:
    """A word or phrase in any of the fields, weighted by field."""
    return _should([tantivy.Query.boost_query(_phrase(schema, f, words), TEXT_FIELDS[f]) for f in fields])


#: Where a form of three words or more (a condition's full name) can sit when it says what a
#: trial is about: not in intervention or sponsor names (short forms such as "CAR-T" can).
_PHRASE_ABOUT_FIELDS = ("title", "condition", "keyword")


def _group(schema: tantivy.Schema, group: Group, fields: Sequence[str]) -> tantivy.Query:
    def where(alt: Terms) -> Sequence[str]:
        if len(alt) > 2 and tuple(fields) == ABOUT_FIELDS:
            return _PHRASE_ABOUT_FIELDS
        return fields

    return _should([_alternative(schema, alt, where(alt)) for alt in group])


def _in_field(schema: tantivy.Schema, clause: FieldClause) -> tantivy.Query:
    words = terms(clause.text)
    if clause.phrase and len(words) > 1:
        return _phrase(schema, clause.field, words)
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, clause.field, w))
            for w in dict.fromkeys(words)
        ]
    )


#: The score a trial gets for being about a concept the query names (beside its text's score).
CONCEPT_SCORE = 2.0


def build(
    parsed: ParsedQuery,
    schema: tantivy.Schema,
    strictness: Strictness = Strictness.ABOUT,
    concepts: Sequence[QueryConcept] = (),
) -> tantivy.Query | None:
    """The tantivy query for a parsed query at a strictness; None when it has nothing to search.

    With ``concepts`` (a short query that names them), a trial about a concept, or about a
    narrower one, matches it as if it held its words (so "lung cancer" finds a trial labelled
    only "NSCLC"); and a trial whose conditions are all known and none is the concept, narrower
    or broader, is left out at the strictest reading (so "small cell lung cancer" does not find
    a trial only about non-small cell lung cancer)."""
    all_fields = tuple(TEXT_FIELDS)
    must: list[tantivy.Query] = []
    should: list[tantivy.Query] = []
    if parsed.is_long:
        # A patient description: rank by the words shared, over all text at once; abbreviation
        # forms count as words too.
        bag = dict.fromkeys([*parsed.words, *(w for g in parsed.groups for alt in g for w in alt)])
        must.append(_should([tantivy.Query.term_query(schema, ALL_TEXT, w) for w in bag]))
    elif parsed.groups:
        required_in = ABOUT_FIELDS if strictness is Strictness.ABOUT else all_fields
        per_group = [_group(schema, g, required_in) for g in parsed.groups]
        if strictness is Strictness.MOST and len(per_group) > 1:
            # Most words: at least this share, and always one fewer than all.
            needed = max(1, min(len(per_group) - 1, math.ceil(len(per_group) * RELAXED_SHARE)))
            must.append(
                tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, q) for q in per_group], minimum_number_should_match=needed
                )
            )
        elif concepts and strictness is Strictness.ABOUT:
            must.append(_with_concepts(schema, parsed.groups, per_group, concepts))
        else:
            must.extend(per_group)
        if strictness is Strictness.ABOUT:
            # Mentions of a word in the summary and eligibility text still count towards the
            # rank (single words only: phrases in long texts cost more than they add).
            rest = [f for f in all_fields if f not in ABOUT_FIELDS]
            should.extend(
                _alternative(schema, alt, rest) for g in parsed.groups for alt in g if len(alt) == 1
            )
        single_words = all(len(g) == 1 and len(g[0]) == 1 for g in parsed.groups)
        if single_words and 2 <= len(parsed.groups) <= 5:
            # The words together, as a phrase, rank above the same words scattered.
            near = [_phrase(schema, f, parsed.words, 2) for f in ("title", "condition")]
            should.append(tantivy.Query.boost_query(_should(near), 2.0))
    for phrase in parsed.phrases:
        must.append(_alternative(schema, phrase, all_fields))
    for clause in parsed.fields:
        must.append(_in_field(schema, clause))
    if parsed.nct_ids:
        must.append(tantivy.Query.term_set_query(schema, "nct_id", list(parsed.nct_ids)))
    if not must:
        return None
    must_not = (
        [_about_something_else(schema, c) for c in concepts if c.near]
        if concepts and strictness is Strictness.ABOUT and not parsed.is_long
        else []
    )
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, q) for q in must]
        + [(tantivy.Occur.Should, q) for q in should]
        + [(tantivy.Occur.MustNot, q) for q in must_not]
    )


def _with_concepts(
    schema: tantivy.Schema,
    groups: Sequence[Group],
    per_group: Sequence[tantivy.Query],
    concepts: Sequence[QueryConcept],
) -> tantivy.Query:
    """Every word in what the trial is about, or: about each concept, with the words no
    concept stands for."""
    words = tuple(per_group)
    covered = {w for c in concepts for w in c.words}
    rest = [q for g, q in zip(groups, per_group, strict=True) if not any(set(alt) <= covered for alt in g)]
    about = [_about(schema, c) for c in concepts]
    by_words = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in words])
    by_concepts = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in (*about, *rest)])
    return _should([by_words, by_concepts])


def _about(schema: tantivy.Schema, concept: QueryConcept) -> tantivy.Query:
    """A trial about the concept or a narrower one; or, ranked lower, about the broader tumour
    it is a kind of (a trial for "lung cancer" in general for "small cell lung cancer")."""
    exact = tantivy.Query.const_score_query(any_term(schema, "concept", concept.keys), CONCEPT_SCORE)
    if not concept.parents:
        return exact
    broader = tantivy.Query.const_score_query(
        any_term(schema, "concept_direct", concept.parents), CONCEPT_SCORE / 2
    )
    return _should([exact, broader])


def _about_something_else(schema: tantivy.Schema, concept: QueryConcept) -> tantivy.Query:
    """Trials about a concept next to this one (a sibling), whose conditions are all known
    concepts, none of them this one, a narrower or a broader one."""
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, any_term(schema, "concept_direct", concept.near)),
            (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "concept_direct", OPEN)),
            (tantivy.Occur.MustNot, any_term(schema, "concept", concept.keys)),
            (
                tantivy.Occur.MustNot,
                any_term(schema, "concept_direct", [*concept.keys, *concept.broader]),
            ),
        ]
    )
