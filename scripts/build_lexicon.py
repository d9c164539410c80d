"""Build the packaged lexicon of conditions, drugs and procedures (`eligibility/data/lexicon.tsv`).

A build step, not part of the installed package: run from the repository root, with the shared
data beside it::

    python -m scripts.build_lexicon            # reads ../shared/data, writes the packaged lexicon
    python -m scripts.build_lexicon --data DIR --out FILE

Sources (none of them the Chia corpus, which is kept for evaluation; trials that Chia annotates
are left out of every source by their NCT ID):

- the Leaf Clinical Trials corpus: Condition-Name, Drug-Name, Procedure-Name and
  Immunization-Name spans of its BRAT annotations and of its SpERT splits;
- registry records (API v2 JSON, legacy XML): MeSH terms of conditions and interventions with
  their MeSH ancestors (pharmacological classes only, for interventions), the trials' condition
  names, and intervention names by intervention type; a name is linked to a MeSH concept when
  trials that list only that name list only that MeSH term, at least twice;
- the facebook clinical-trial-parser NER lines: chronic_disease, cancer, treatment;
- a short curated list of drug classes, common procedures and oncology acronyms
  (``scripts/data/curated_terms.tsv``).

Votes decide a term's kind. Terms that are generic ("disease", "treatment", "study") or that,
matched over the Leaf corpus texts, mostly fall outside its annotated entities are dropped.
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from trialscout.eligibility.mentions import (
    LEXICON_FILE,
    Lexicon,
    LexiconEntry,
    MentionKind,
    format_entry,
    inflections,
    read_lexicon,
    term_key,
)

C, D, P = MentionKind.CONDITION, MentionKind.DRUG, MentionKind.PROCEDURE

# Terms too generic to name anything on their own (they still match inside longer terms).
_GENERIC_WORDS = """
    disease diseases disorder disorders condition conditions illness illnesses syndrome syndromes
    problem problems abnormality abnormalities complication complications symptom symptoms sign signs
    patient patients subject subjects participant participants person people study studies trial trials
    treatment treatments therapy therapies treated therapeutic intervention interventions procedure
    procedures management care medication medications medicine medicines drug drugs agent agents
    product products compound substance substances regimen regimens dose doses dosing use
    history diagnosis diagnosed type types stage grade level levels status test tests testing result
    healthy health normal other others control controls standard active any none unknown new current
    severe mild moderate chronic acute primary secondary advanced prior previous known significant
    clinical clinically medical medically systemic local serious uncontrolled requiring
    operative operation histologically cytologically pathology pathological investigational
    experimental observation evaluation assessment screening follow up baseline visit
    exposure exposed positive negative evidence presence absence event events effects effect
    women woman men man female male naive pd pr cr sd ps ae sae ci er ir nos exam
    examination examinations function functions impaired impairment dysfunction
    cns infected asymptomatic symptomatic organ organs
"""
GENERIC = frozenset(_GENERIC_WORDS.split())
_STOP_START = frozenset(
    ["a", "an", "the", "any", "all", "other", "some", "of", "and", "or", "with", "for", "to"]
)
_STOP_START |= {"in", "on", "by", "as", "at"}
_STOP_END = frozenset(["of", "and", "or", "with", "for", "to", "in", "on", "by", "as", "the"])

CURATED_FILE = Path(__file__).parent / "data" / "curated_terms.tsv"
#: Where the built lexicon goes: the package's data, read at run time by `mentions.lexicon`.
LEXICON_OUT = (
    Path(__file__).resolve().parents[1] / "src" / "trialscout" / "eligibility" / "data" / LEXICON_FILE
)
_PROCEDURE_WORDS = re.compile(
    r"(?:surgery|ectomy|otomy|ostomy|plasty|scopy|graphy|therapy|transplant\w*|radiation|radiotherapy"
    r"|dialysis|ablation|resection|biopsy|implant\w*|stimulation|ventilation|transfusion|anesthesia"
    r"|procedure|operation|repair|bypass|catheteri[sz]ation|imaging|scan|irradiation|fusion|injection)$"
)
_ANCESTOR_CLASS = re.compile(
    r"(?:agents|inhibitors|antagonists|agonists|blockers|antibodies|vaccines|hormones|steroids|glucocorticoids"
    r"|corticosteroids|drugs|antimetabolites|alkylating|taxoids|anthracyclines|platinum compounds)$",
    re.IGNORECASE,
)
_CONDITION_ANCESTOR_SKIP = re.compile(
    r"\bby\b|\band\b|Pathologic Processes|Disease Attributes|Signs and Symptoms|Pathological Conditions"
    r"|Physiological Phenomena|Phenomena|Processes",
    re.IGNORECASE,
)
_ADJECTIVE = re.compile(r"(?:ic|ical|al|ive|ory|ary|ous)$")
_NOT_A_DRUG = re.compile(
    r"\b(?:tests?|testing|questionnaires?|surveys?|counsel\w*|education\w*|exercise|diet\w*|behavio\w*"
    r"|interview|assessment|monitoring|care|services?|devices?|equipment)\b",
    re.IGNORECASE,
)
# A registry "condition" that names a treatment ("Influenza Vaccine", "Smoking Cessation Therapy").
_NOT_A_CONDITION = re.compile(
    r"vaccin|therap|treatment|surgery|transplant|drug|inhibitor|prevention|cessation", re.I
)
_CODE = re.compile(r"^[a-z]{1,5}\s?\d{2,7}[a-z]?$")  # a drug code: "abt 888", "mk3475"


def uninvert(mesh: str) -> str:
    """'Carcinoma, Non-Small-Cell Lung' -> 'Non-Small-Cell Lung Carcinoma' (one comma only)."""
    head, sep, rest = mesh.partition(", ")
    if not sep or "," in rest:
        return mesh
    return f"{rest} {head}"


def clean_key(text: str) -> str | None:
    """A term's key if it can stand in the lexicon, else None."""
    key = term_key(text)
    words = key.split()
    while words and words[0] in _STOP_START:
        words = words[1:]
    while words and words[-1] in _STOP_END:
        words = words[:-1]
    if not words or len(words) > 7:
        return None
    key = " ".join(words)
    if len(key) < 3 or not any(c.isalpha() for c in key) or key in GENERIC:
        return None
    if all(w in GENERIC or w in _STOP_START for w in words):
        return None
    if len(words) > 1 and words[-1] in ("e", "g", "i"):
        return None  # cut at "e.g." or "i.e."
    if re.fullmatch(r"[\d\s.]+(?:mg|g|ml|kg|mcg|ug|iu|units?)?", key):
        return None
    return key


class Votes:
    """Kind votes and concept links for every candidate term key."""

    def __init__(self) -> None:
        self.kinds: dict[str, Counter[MentionKind]] = defaultdict(Counter)
        self.concepts: dict[str, Counter[str]] = defaultdict(Counter)
        self.upper: Counter[str] = Counter()  # how often a key was seen in capitals
        self.seen: Counter[str] = Counter()
        self.sources: dict[str, set[str]] = defaultdict(set)
        self.surfaces: dict[str, Counter[str]] = defaultdict(Counter)  # the term as written

    def add(self, text: str, kind: MentionKind, source: str, weight: int = 1, concept: str = "") -> None:
        key = clean_key(text)
        if key is None:
            return
        self.kinds[key][kind] += weight
        self.seen[key] += 1
        letters = "".join(c for c in text if c.isalpha())
        if letters and letters.isupper():
            self.upper[key] += 1
        self.sources[key].add(source)
        surface = " ".join(text.split())
        if term_key(surface) != key:  # cut by clean_key: "on-infectious pneumonitis" -> the key
            surface = key
        self.surfaces[key][surface if surface.isupper() else surface.lower()] += 1
        if concept:
            self.concepts[key][concept] += 1


def _chia_ids(data: Path) -> set[str]:
    path = data / "chia" / "chia_dev_brat.zip"
    if not path.exists():
        return set()
    with zipfile.ZipFile(path) as archive:
        return {m.group(0) for name in archive.namelist() if (m := re.search(r"NCT\d{8}", name))}


_LCT_TYPES = {
    "Condition-Name": C,
    "Drug-Name": D,
    "Procedure-Name": P,
    "Immunization-Name": D,
}
_LCT_ENTITY_TYPES = {
    "Condition": C,
    "Condition-Name": C,
    "Drug": D,
    "Drug-Name": D,
    "Procedure": P,
    "Procedure-Name": P,
    "Immunization": D,
    "Immunization-Name": D,
    "Allergy-Name": D,
}
# LCT annotates symptoms ("pain", "fever") and allergies as observations: a condition term that
# falls on one is where it belongs.
_LCT_CONDITION_LIKE: dict[str, MentionKind | None] = {
    "Observation": None,
    "Observation-Name": None,
    "Allergy": None,
}


def _brat_spans(ann: str) -> Iterator[tuple[str, list[tuple[int, int]], str]]:
    for line in ann.splitlines():
        if not line.startswith("T"):
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            continue
        label, _, ranges = fields[1].partition(" ")
        spans = []
        for piece in ranges.split(";"):
            start, _, end = piece.partition(" ")
            if start.isdigit() and end.isdigit():
                spans.append((int(start), int(end)))
        yield label, spans, fields[2]


def lct_documents(data: Path, skip: set[str]) -> list[tuple[str, list[tuple[int, int, MentionKind | None]]]]:
    """The Leaf corpus documents: text and annotated entity spans (events and names; symptoms
    and allergies, which it calls observations, as conditions)."""
    documents = []
    kinds: dict[str, MentionKind | None] = {**_LCT_ENTITY_TYPES, **_LCT_CONDITION_LIKE}
    for ann_path in sorted(glob.glob(str(data / "lct" / "ner" / "nic" / "batch*" / "*.ann"))):
        nct = Path(ann_path).stem[:11]
        if nct in skip:
            continue
        text = Path(ann_path).with_suffix(".txt").read_text(encoding="utf-8")
        spans = [
            (s, e, kinds[label])
            for label, pieces, _ in _brat_spans(Path(ann_path).read_text(encoding="utf-8"))
            if label in kinds
            for s, e in pieces
        ]
        documents.append((text, spans))
    return documents


def add_lct(votes: Votes, data: Path, skip: set[str]) -> None:
    for ann_path in sorted(glob.glob(str(data / "lct" / "ner" / "nic" / "batch*" / "*.ann"))):
        if Path(ann_path).stem[:11] in skip:
            continue
        for label, _, words in _brat_spans(Path(ann_path).read_text(encoding="utf-8")):
            if label in _LCT_TYPES:
                votes.add(words, _LCT_TYPES[label], "lct")
    for split in ("dev", "test", "train"):
        path = data / "lct" / "data" / "ner" / "spert" / f"{split}.json"
        if not path.exists():
            continue
        for sentence in json.loads(path.read_text(encoding="utf-8")):
            if str(sentence.get("orig_id", ""))[-11:] in skip:
                continue
            tokens = sentence["tokens"]
            for entity in sentence["entities"]:
                kind = _LCT_TYPES.get(entity["type"])
                if kind is not None:
                    votes.add(" ".join(tokens[entity["start"] : entity["end"]]), kind, "lct-spert")


def add_facebook(votes: Votes, data: Path) -> list[str]:
    """Conditions from the facebook NER lines; its "treatment" terms are returned for later,
    when the other sources' votes can tell a drug from a procedure."""
    path = data / "fb-clinical-trial-parser" / "test_processed_medical_ner.tsv"
    treatments: list[str] = []
    if not path.exists():
        return treatments
    for line in path.read_text(encoding="utf-8").splitlines():
        labels, _, text = line.partition("\t")
        for label in labels.split(","):
            parts = label.split(":")
            if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
                continue
            words = text[int(parts[0]) : int(parts[1])]
            if parts[2] in ("chronic_disease", "cancer"):
                votes.add(words, C, "fb")
            elif parts[2] == "treatment":
                treatments.append(words)
    return treatments


def resolve_treatments(votes: Votes, treatments: Iterable[str]) -> None:
    for words in treatments:
        key = clean_key(words)
        if key is None:
            continue
        known = votes.kinds.get(key)
        if known and (known[D] or known[P]):
            kind = D if known[D] >= known[P] else P
        else:
            kind = P if _PROCEDURE_WORDS.search(key) else D
        votes.add(words, kind, "fb")


def _registry_paths(data: Path) -> list[Path]:
    return [
        data / "ctgov-api-v2-exports",
        data / "aact-fixtures" / "json_v2",
        data / "aact-fixtures" / "xml_legacy",
        data / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip",
        data / "trec2023-xml-sample" / "xml",
    ]


def _trial_items(data: Path) -> Iterator[tuple[object, dict[str, object] | None]]:
    """(Trial, raw v2 derivedSection or None) for every registry record under ``data``."""
    from trialscout.model.enums import SourceFormat
    from trialscout.sources.files import ArchivedRecord, RawRecord, iter_source, parse_record

    for item in iter_source([p for p in _registry_paths(data) if p.exists()]):
        raw = item.read() if isinstance(item, ArchivedRecord) else item
        if not isinstance(raw, RawRecord):
            continue
        try:
            trial = parse_record(raw)
        except Exception:  # noqa: BLE001 - a bad record costs one record
            continue
        derived = None
        if raw.format is SourceFormat.CTGOV_API_V2_JSON:
            derived = orjson.loads(raw.data).get("derivedSection")
        yield trial, derived


_INTERVENTION_KINDS = {"DRUG": D, "BIOLOGICAL": D, "PROCEDURE": P, "RADIATION": P}
_JUNK_NAME = re.compile(
    r"\b(?:arm|group|cohort|placebo|dose|doses|mg|ml|kg|level|phase|part|schedule|regimen|questionnaire"
    r"|survey|assessment|analysis|laboratory|biomarker|sampling|collection|standard|usual|care|control"
    r"|vs|versus|plus|combination|followed|then|and|or|with)\b|[:;/+()]",
    re.IGNORECASE,
)


def add_registry(votes: Votes, data: Path, skip: set[str]) -> None:
    from trialscout.model.trial import Trial

    links: Counter[tuple[str, str]] = Counter()
    seen: set[str] = set()
    for trial, derived in _trial_items(data):
        assert isinstance(trial, Trial)
        if trial.nct_id in skip or trial.nct_id in seen:
            continue
        seen.add(trial.nct_id)
        condition_mesh = [m.term for m in trial.condition_mesh_terms]
        for term in condition_mesh:
            votes.add(term, C, "mesh", 2, concept=term)
            votes.add(uninvert(term), C, "mesh", 2, concept=term)
        for name in trial.conditions:
            if (
                len(name) <= 60
                and not _JUNK_NAME.search(name.replace(" and ", " "))
                and not _NOT_A_CONDITION.search(name)
            ):
                votes.add(name, C, "registry")
        if len(trial.conditions) == 1 and len(condition_mesh) == 1:
            key = clean_key(trial.conditions[0])
            if key:
                links[(key, condition_mesh[0])] += 1
        drug_mesh = [m.term for m in trial.intervention_mesh_terms if not _NOT_A_DRUG.search(m.term)]
        for term in drug_mesh:
            votes.add(term, D, "mesh", 2, concept=term)
            votes.add(uninvert(term), D, "mesh", 2, concept=term)
        drugs = []
        for intervention in trial.interventions:
            kind = _INTERVENTION_KINDS.get(str(intervention.type)) if intervention.type else None
            if kind is None:
                continue
            for name in (intervention.name, *intervention.other_names):
                if len(name) <= 40 and len(name.split()) <= 4 and not _JUNK_NAME.search(name):
                    votes.add(name, kind, "registry")
            if kind is D:
                drugs.append(intervention.name)
        if len(drugs) == 1 and len(drug_mesh) == 1:
            key = clean_key(drugs[0])
            if key:
                links[(key, drug_mesh[0])] += 1
        if derived:
            _add_ancestors(votes, derived)
    counts: Counter[str] = Counter()
    for (key, _), n in links.items():
        counts[key] += n
    for (key, mesh), n in links.items():
        if n >= 2 and n * 2 > counts[key]:
            votes.concepts[key][mesh] += 100


def _add_ancestors(votes: Votes, derived: dict[str, object]) -> None:
    for module, kind in (("conditionBrowseModule", C), ("interventionBrowseModule", D)):
        browse = derived.get(module)
        if not isinstance(browse, dict):
            continue
        for ancestor in browse.get("ancestors", []) or []:
            term = ancestor.get("term") if isinstance(ancestor, dict) else None
            if not isinstance(term, str) or term.count(",") > 1:
                continue
            if kind is C and _CONDITION_ANCESTOR_SKIP.search(term):
                continue
            if kind is D and not _ANCESTOR_CLASS.search(term):
                continue
            votes.add(term, kind, "mesh-ancestor", 1, concept=term)
            votes.add(uninvert(term), kind, "mesh-ancestor", 1, concept=term)


def curated_entries(path: Path = CURATED_FILE) -> dict[str, LexiconEntry]:
    """The curated terms (drug classes, common procedures, acronyms): they override the votes."""
    with path.open(encoding="utf-8") as handle:
        return {entry.term: entry for entry in read_lexicon(handle)}


def candidate_entries(votes: Votes, fixed: dict[str, LexiconEntry]) -> dict[str, LexiconEntry]:
    entries: dict[str, LexiconEntry] = {}
    for key, kinds in votes.kinds.items():
        kind = max(kinds, key=lambda k: (kinds[k], k == C))
        concepts = votes.concepts.get(key)
        # A MeSH heading when one is linked, else the spelling seen most ("crohn's disease").
        concept = concepts.most_common(1)[0][0] if concepts else votes.surfaces[key].most_common(1)[0][0]
        sources = votes.sources[key]
        # One word from the annotated corpora alone: an adjective there is a fragment of a longer
        # name ("respiratory", "cognitive"), and a word seen once may be a slip.
        if (
            " " not in key
            and not sources & {"mesh", "registry"}
            and (_ADJECTIVE.search(key) or votes.seen[key] < 2)
        ):
            continue
        cased = None
        letters = key.replace(" ", "")
        if len(letters) <= 4 and not _CODE.match(key) and votes.upper[key] * 2 >= votes.seen[key]:
            cased = letters.upper()  # an acronym: "MS" in capitals, never the word "ms"
        entries[key] = LexiconEntry(term=key, kind=kind, concept=concept, cased=cased)
    entries.update(fixed)
    return entries


def filter_by_corpus(
    entries: dict[str, LexiconEntry],
    documents: list[tuple[str, list[tuple[int, int, MentionKind | None]]]],
    protected: set[str],
    min_seen: int = 4,
    min_precision: float = 0.25,
) -> dict[str, LexiconEntry]:
    """Drop terms that, matched over the Leaf corpus texts, mostly fall outside its annotated
    conditions, drugs and procedures (two passes: a dropped longer term can expose a shorter)."""
    for _ in range(2):
        lexicon = Lexicon(entries.values(), inflect=False)
        hits: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        for text, spans in documents:
            for mention in lexicon.find(text):
                key = term_key(mention.text)
                seen[key] += 1
                s, e = mention.span.start, mention.span.end
                if any(a < e and s < b and (k is not None or mention.kind is C) for a, b, k in spans):
                    hits[key] += 1
        dropped = {
            key
            for key, n in seen.items()
            if key not in protected and n >= min_seen and hits[key] / n < min_precision
        }
        if not dropped:
            break
        entries = {k: v for k, v in entries.items() if k not in dropped}
    return entries


def build(data: Path) -> list[LexiconEntry]:
    skip = _chia_ids(data)
    votes = Votes()
    add_lct(votes, data, skip)
    treatments = add_facebook(votes, data)
    add_registry(votes, data, skip)
    resolve_treatments(votes, treatments)
    fixed = curated_entries()
    entries = candidate_entries(votes, fixed)
    # Inflected forms of a curated term are curated too.
    protected = set(fixed) | {form for key in fixed for form in inflections(key)}
    entries = filter_by_corpus(entries, lct_documents(data, skip), protected)
    return sorted(entries.values(), key=lambda e: e.term)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="example: python -m scripts.build_lexicon --data ../shared/data",
    )
    parser.add_argument("--data", type=Path, default=Path("..") / "shared" / "data")
    parser.add_argument("--out", type=Path, default=LEXICON_OUT)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data folder at {args.data}: pass --data", file=sys.stderr)
        return 2
    entries = build(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    header = "# term\tkind (C condition, D drug, P procedure)\tconcept (empty: the term)\tcased form\n"
    args.out.write_text(header + "".join(format_entry(e) + "\n" for e in entries), encoding="utf-8")
    kinds = Counter(e.kind for e in entries)
    print(f"{len(entries)} terms ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))}) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
