"""One concept graph of conditions: names to concepts, and what is broader and narrower.

Built offline from what the project ships or depends on, never from the network:

- the Human Phenotype Ontology (`trialscout.concepts.hpo`): findings and many diseases as
  phenotypes ("Small cell lung carcinoma" under "Neoplasm of the lung"), their exact and
  layperson synonyms, and their ``is_a`` hierarchy;
- the diseases HPO annotates (Orphanet, OMIM: "Turner syndrome"), as names without a hierarchy;
- the standard abbreviations of `trialscout.search.synonyms` ("HNSCC", "NSCLC");
- at index time, each trial's own MeSH terms and the broader MeSH terms the registry derived for
  them (`Trial.condition_mesh_ancestors`), which add the registry's hierarchy trial by trial.

Names meet through one normal form (`normal_name`): case, British spellings, possessives
("Cushing's"), punctuation, plurals, MeSH's inverted order ("Carcinoma, Non-Small-Cell Lung"),
"X of the Y" ("Neoplasm of the lung" = "lung neoplasm") and the words for a tumour ("cancer",
"neoplasm", "tumor", "malignancy" are one word here; "carcinoma" is not, it is narrower).
Entries that share a primary or exact name are one concept. A concept's *keys* are the normal
forms of its entries' names: stable words that an index can hold and a query can ask for,
whatever else the graph learns later.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence

import msgspec

from trialscout.concepts import hpo
from trialscout.search.synonyms import EQUIVALENT_FORMS

#: Concepts too general to say what a trial or a patient is about (the roots of HPO).
_ROOTS = frozenset({"HP:0000001", "HP:0000118", "HP:0000005", "HP:0012823", "HP:0040279", "HP:0031797"})
#: The longest name, in words, looked for inside a longer text.
LONGEST_NAME = 8

_SPELLINGS = (
    (re.compile(r"aem"), "em"),  # haemorrhage, anaemia, leukaemia, ischaemia
    (re.compile(r"\boe(?=[ds])"), "e"),  # oedema, oesophagus, oestrogen
    (re.compile(r"tumour"), "tumor"),
    (re.compile(r"\bpaed"), "ped"),
    (re.compile(r"rrhoea"), "rrhea"),
    (re.compile(r"coeliac"), "celiac"),
    (re.compile(r"\bfoet"), "fet"),
    (re.compile(r"\bsulph"), "sulf"),
    (re.compile(r"isation\b"), "ization"),
)
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s?\b")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
#: One word for a tumour: "lung cancer" = "lung neoplasm" = "lung tumor" (MeSH's "Lung Neoplasms").
_TUMOUR = {
    "cancer": "cancer",
    "cancers": "cancer",
    "neoplasm": "cancer",
    "neoplasms": "cancer",
    "neoplasia": "cancer",
    "tumor": "cancer",
    "tumors": "cancer",
    "malignancy": "cancer",
    "malignancies": "cancer",
}
#: Words whose final "s" is not a plural.
_NOT_PLURAL = frozenset(
    {
        "diabetes",
        "herpes",
        "rabies",
        "scabies",
        "measles",
        "mumps",
        "rickets",
        "shingles",
        "hives",
        "aids",
        "series",
        "species",
        "tabes",
        "pes",
        "feces",
        "faeces",
        "nares",
        "genitalia",
        "varices",
        "caries",
    }
)
#: One word for a disorder: MeSH's "Nervous System Diseases" is HPO's "Abnormality of the
#: nervous system".
_DISORDER = {
    "disorder": "disease",
    "disorders": "disease",
    "abnormality": "disease",
    "abnormalities": "disease",
}
_OF_THE = re.compile(r"^(\w+) of (?:the )?(.+)$")
#: Heads of "X of the Y" read as "Y X", beside the words for a tumour.
_OF_HEADS = frozenset({"carcinoma", "disease", "abnormality", "infection", "adenocarcinoma"})
#: Words that name no concept on their own (a text is not read as a concept for them).
STOP_WORDS = frozenset({"the", "of", "and", "or", "a", "an", "in", "with", "nos", "unspecified"})


def _singular(word: str) -> str:
    if len(word) < 5 or word in _NOT_PLURAL or word.endswith(("ss", "us", "is", "os")):
        return word
    if word.endswith("ases") and not word.endswith("eases"):
        return word[:-4] + "asis"  # metastases
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=200_000)
def normal_name(name: str, *, inverted: bool = False) -> str:
    """The one form names are compared in ("Neoplasm of the Lung" -> "lung cancer";
    "Cushing's syndrome" -> "cushing syndrome"). ``inverted`` reads MeSH's inverted order
    ("Carcinoma, Non-Small-Cell Lung" -> "non small cell lung carcinoma")."""
    text = name.strip().lower()
    if inverted and "," in text:
        text = " ".join(part.strip() for part in reversed(text.split(",")))
    text = _POSSESSIVE.sub("", text)
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    text = _NOT_WORD.sub(" ", text).strip()
    of = _OF_THE.match(text)
    if of is not None and (of.group(1) in _TUMOUR or of.group(1) in _OF_HEADS):
        text = f"{of.group(2)} {of.group(1)}"
    words = [_TUMOUR.get(w) or _DISORDER.get(w) or _singular(w) for w in text.split()]
    return " ".join(words)


def _variants(key: str) -> Iterator[str]:
    """Forms a name may be looked up under when its own is not known: "hepatocellular cancer"
    as "hepatocellular carcinoma", "Cushing" as "Cushing syndrome" or "Cushing disease"."""
    yield key
    words = key.split()
    if "cancer" in words:
        yield " ".join("carcinoma" if w == "cancer" else w for w in words)
    if "carcinoma" in words:
        yield " ".join("cancer" if w == "carcinoma" else w for w in words)
    if len(words) == 1:
        yield key + " syndrome"
        yield key + " disease"


class Concept(msgspec.Struct, frozen=True, array_like=True):
    """One concept: a name to show, its source ids, its keys (normal names), its parents."""

    label: str
    ids: tuple[str, ...]
    keys: tuple[str, ...]
    parents: tuple[int, ...]


class Span(msgspec.Struct, frozen=True, array_like=True):
    """A concept named in a text: the words' place (in words) and the concepts it names."""

    start: int
    end: int
    concepts: tuple[int, ...]


class GraphData(msgspec.Struct, frozen=True):
    """What a concept graph is made of, as it is saved (msgpack)."""

    version: str
    concepts: tuple[Concept, ...]
    names: dict[str, tuple[int, ...]]  # normal name -> concepts


class ConceptGraph:
    """Concepts and the names they are found by (see the module)."""

    def __init__(self, data: GraphData) -> None:
        self.data = data
        self.version = data.version
        self.concepts = data.concepts
        self.names = data.names
        self._ancestors: dict[int, frozenset[int]] = {}
        self._children: dict[int, list[int]] | None = None

    # --- names -------------------------------------------------------------------------

    def lookup(self, name: str, *, inverted: bool = False) -> tuple[int, ...]:
        """The concepts a whole name names (nothing when it names none)."""
        key = normal_name(name, inverted=inverted)
        for variant in _variants(key):
            found = self.names.get(variant)
            if found:
                return found
        return ()

    def spans(self, text: str) -> list[Span]:
        """The concepts a text names, longest names first, not overlapping (in words of the
        normal form: "stage IV non-small cell lung cancer" names NSCLC)."""
        words = normal_name(text).split()
        out: list[Span] = []
        start = 0
        while start < len(words):
            for length in range(min(LONGEST_NAME, len(words) - start), 0, -1):
                if length == 1 and (words[start] in STOP_WORDS or len(words[start]) < 3):
                    continue
                phrase = " ".join(words[start : start + length])
                found = next((self.names[v] for v in _variants(phrase) if v in self.names), ())
                if found:
                    out.append(Span(start, start + length, found))
                    start += length
                    break
            else:
                start += 1
        return out

    # --- hierarchy ---------------------------------------------------------------------

    def ancestors(self, concept: int) -> frozenset[int]:
        """Every broader concept (not the concept itself)."""
        found = self._ancestors.get(concept)
        if found is None:
            seen: set[int] = set()
            todo = list(self.concepts[concept].parents)
            while todo:
                c = todo.pop()
                if c not in seen and c != concept:
                    seen.add(c)
                    todo.extend(self.concepts[c].parents)
            found = self._ancestors[concept] = frozenset(seen)
        return found

    def children(self, concept: int) -> Sequence[int]:
        if self._children is None:
            children: dict[int, list[int]] = {}
            for number, c in enumerate(self.concepts):
                for p in c.parents:
                    children.setdefault(p, []).append(number)
            self._children = children
        return self._children.get(concept, ())

    def near(self, concept: int, steps: int = 2, most: int = 120) -> set[int]:
        """The concepts close to this one but not on its line: below a concept at most
        ``steps`` above it, at most ``steps + 1`` below that (non-small cell lung carcinoma for
        small cell lung carcinoma), less the concept, what is below it and what is above it.
        A concept above with more than ``most`` below it is too general to make neighbours."""
        line = self.ancestors(concept) | {concept}
        found: set[int] = set()
        frontier = {concept}
        for _ in range(steps):
            frontier = {p for c in frontier for p in self.concepts[c].parents}
            for top in frontier:
                family: set[int] = set()
                below = {top}
                for _ in range(steps + 1):
                    below = {k for b in below for k in self.children(b)}
                    family |= below
                if len(family) <= most:
                    found |= family
        return {c for c in found if c not in line and concept not in self.ancestors(c)}

    def keys(self, concepts: Iterable[int]) -> set[str]:
        return {key for c in concepts for key in self.concepts[c].keys}

    def closure_keys(self, concepts: Iterable[int]) -> set[str]:
        """The keys of the concepts and of every broader one: what an index holds for them."""
        found = set(concepts)
        for c in list(found):
            found |= self.ancestors(c)
        return self.keys(found)

    def label(self, concept: int) -> str:
        return self.concepts[concept].label


# --- building ------------------------------------------------------------------------------


class _Entry:
    """One source record before merging: its id, names to merge by, names to look it up by."""

    __slots__ = ("id", "label", "lookup", "merge", "parents")

    def __init__(
        self, label: str, id_: str, merge: Sequence[str], lookup: Sequence[str], parents: Sequence[str]
    ):
        self.label, self.id, self.merge, self.lookup, self.parents = label, id_, merge, lookup, parents


#: A disease's subtype at the end of its name ("hemochromatosis type 1", "... 2A"): the name
#: without it finds every subtype.
_SUBTYPE = re.compile(r"(?:\b(?:type|group|class|form)\s+\w+|\s\d+[a-z]?)$")


def _entries() -> Iterator[_Entry]:
    terms = hpo.hpo_terms()
    for term in terms.values():
        if term.id in _ROOTS or not hpo.is_phenotypic_abnormality(term.id):
            continue
        merge = [normal_name(term.name), *(normal_name(s) for s in term.synonyms)]
        parents = [p for p in term.parents if p not in _ROOTS]
        yield _Entry(term.name, term.id, merge, [normal_name(s) for s in term.broad_synonyms], parents)
    for disease in hpo.hpo_diseases():
        name = normal_name(disease.name)
        stem = _SUBTYPE.sub("", name).strip()
        yield _Entry(disease.name, disease.id, [name], [stem] if stem and stem != name else [], [])
    for number, forms in enumerate(EQUIVALENT_FORMS):
        yield _Entry(forms[0], f"ABBR:{number}", [normal_name(f) for f in forms], [], [])


def build_graph() -> ConceptGraph:
    """The graph of the packaged vocabularies (HPO, its diseases, the abbreviations)."""
    entries = [e for e in _entries() if any(e.merge)]
    # Merge entries that share a name (union-find over names).
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for name in entry.merge:
            if not name:
                continue
            j = first_with.setdefault(name, i)
            if j != i:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(entries)):
        groups.setdefault(find(i), []).append(i)
    order = sorted(groups.values(), key=lambda members: entries[members[0]].id)
    concept_of_entry: dict[int, int] = {}
    concept_of_id: dict[str, int] = {}
    for number, members in enumerate(order):
        for i in members:
            concept_of_entry[i] = number
            concept_of_id[entries[i].id] = number

    concepts: list[Concept] = []
    names: dict[str, set[int]] = {}
    for number, members in enumerate(order):
        member_entries = [entries[i] for i in members]
        label = _label(member_entries)
        keys = tuple(sorted({e.merge[0] for e in member_entries if e.merge and e.merge[0]}))
        parents = {concept_of_id[p] for e in member_entries for p in e.parents if p in concept_of_id} - {
            number
        }
        concepts.append(
            Concept(
                label=label,
                ids=tuple(e.id for e in member_entries),
                keys=keys,
                parents=tuple(sorted(parents)),
            )
        )
        for e in member_entries:
            for name in e.merge:
                if name:
                    names.setdefault(name, set()).add(number)
    _derive_parents(concepts, names)
    merged = set(names)
    for i, entry in enumerate(entries):  # lookup-only names, where no concept has them as its own
        for name in entry.lookup:
            if name and name not in merged:
                names.setdefault(name, set()).add(concept_of_entry[i])
    version = f"hpo {hpo.hpo_version()}; abbreviations {len(EQUIVALENT_FORMS)}"
    return ConceptGraph(
        GraphData(
            version=version,
            concepts=tuple(concepts),
            names={name: tuple(sorted(found)) for name, found in names.items() if found},
        )
    )


#: Histologies a name of a cancer may carry before its site's word: "head and neck squamous cell
#: carcinoma" is a "head and neck cancer".
_HISTOLOGY = re.compile(r"\b(?:squamous cell carcinoma|adenocarcinoma|carcinoma)\b")
#: The words of a tumour's name: a narrower tumour's search also finds trials about the broader one.
TUMOUR_WORDS = frozenset(
    {
        "cancer",
        "carcinoma",
        "adenocarcinoma",
        "lymphoma",
        "leukemia",
        "sarcoma",
        "melanoma",
        "glioma",
        "myeloma",
    }
)


def _derive_parents(concepts: list[Concept], names: dict[str, set[int]]) -> None:
    """A parent for a concept that has none, read off its name: the longest part of the name
    that is itself a concept ("triple negative breast cancer" under "breast cancer"), or the
    name with its histology read as "cancer" ("head and neck squamous cell carcinoma" under
    "head and neck cancer"). Only multi-word names of three words or more."""
    for number, concept in enumerate(concepts):
        if concept.parents:
            continue
        found: set[int] = set()
        for key in concept.keys:
            words = key.split()
            if len(words) < 3:
                continue
            candidates = [_HISTOLOGY.sub("cancer", key)] if _HISTOLOGY.search(key) else []
            candidates += [" ".join(words[i:]) for i in range(1, len(words) - 1)]
            candidates += [" ".join(words[:j]) for j in range(len(words) - 1, 1, -1)]
            for candidate in candidates:
                hit = names.get(candidate, set()) - {number}
                if candidate != key and hit:
                    found |= hit
                    break
        if found:
            concepts[number] = msgspec.structs.replace(concept, parents=tuple(sorted(found)))


def _label(entries: Sequence[_Entry]) -> str:
    """The name to show: an HPO term's, else a disease's, else the abbreviation's full form."""
    for prefix in ("HP:", "ORPHA:", "OMIM:", "ABBR:"):
        for e in entries:
            if e.id.startswith(prefix):
                return e.label
    return entries[0].label


@functools.cache
def packaged_graph() -> ConceptGraph:
    """The graph of the packaged vocabularies, built once per process (about a second)."""
    return build_graph()


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(GraphData)


def encode(graph: ConceptGraph) -> bytes:
    return _ENCODER.encode(graph.data)


def decode(data: bytes) -> ConceptGraph:
    return ConceptGraph(_DECODER.decode(data))
