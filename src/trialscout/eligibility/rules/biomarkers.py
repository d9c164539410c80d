"""Tumour biomarkers: "activating EGFR mutation", "ALK or ROS1 rearrangement", "HER2-positive",
"PD-L1 TPS ≥ 50%", "expression of DLL3 in at least 1% of tumor cells", "KRAS G12C mutation",
"BRAF V600E", "MSI-H/dMMR", "ER/PR positive", "triple negative".

`read_biomarkers` gives one `BiomarkerRule` per marker named with an alteration (a list that
shares one, "ALK or ROS1 rearrangement", gives a rule for each). The negative forms are the
absence of the positive one: "HER2-negative" is HER2 positivity ABSENT, "EGFR wild-type" an EGFR
mutation ABSENT, "MSS" MSI-high ABSENT, "pMMR" MMR deficiency ABSENT, "triple negative" ER, PR
and HER2 positivity ABSENT. A percentage stated for the marker is its ``expression`` bound.
A marker named as a drug's target ("EGFR TKI", "anti-HER2 therapy") is no biomarker rule.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import BiomarkerRule, Bound, CriterionKind, Part, PartRole, Rule, Span
from trialscout.eligibility.polarity import expect
from trialscout.eligibility.rules.thresholds import lowered, negated_before, read_threshold, threshold_pattern

_END = r"(?![A-Za-z0-9])"
# (canonical name, or None for "the words, upper-cased": "BRCA1/2", "FGFR2"), pattern
_MARKERS: list[tuple[str | None, str]] = [
    ("EGFRvIII", r"EGFR\s?vIII"),
    ("EGFR", r"(?-i:EGFR)|epidermal\s+growth\s+factor\s+receptor(?:\s*\(EGFR\))?"),
    ("ALK", r"(?-i:ALK)|anaplastic\s+lymphoma\s+kinase(?:\s*\(ALK\))?"),
    ("ROS1", r"ROS-?1"),
    ("KRAS", r"K-?RAS"),
    ("NRAS", r"N-?RAS"),
    ("HRAS", r"H-?RAS"),
    ("RAS", r"(?-i:RAS)"),
    ("BRAF", r"B-?RAF"),
    ("HER2", r"HER-?2(?:\s*/\s*neu)?|ERBB-?2|(?-i:HER2neu)"),
    ("HER3", r"HER-?3|ERBB-?3"),
    ("MET", r"(?-i:MET|c-MET|cMET|c-Met)"),
    ("RET", r"(?-i:RET)"),
    (None, r"NTRK[1-3]?"),
    ("PIK3CA", r"PIK3CA"),
    ("PTEN", r"(?-i:PTEN)"),
    (None, r"BRCA[12]?(?:\s*/\s*2)?"),
    ("ATM", r"(?-i:ATM)"),
    ("PALB2", r"PALB2"),
    (None, r"IDH[12]?(?:\s*/\s*2)?"),
    ("FLT3", r"FLT-?3"),
    ("NPM1", r"NPM1"),
    ("TP53", r"TP53|(?-i:p53)"),
    ("KIT", r"(?-i:c-KIT|KIT|c-kit|c-Kit)"),
    ("PDGFRA", r"PDGFRA"),
    (None, r"FGFR[1-4]?"),
    ("DLL3", r"DLL-?3|delta[\s-]like[\s-](?:ligand[\s-])?3(?:\s*\(DLL-?3\))?"),
    ("PD-L1", r"PD-?L1|programmed\s+(?:cell\s+)?death[\s-]+ligand[\s-]+1"),
    ("CLDN18.2", r"CLDN\s?18\.2|claudin[\s-]?18\.2"),
    ("TROP2", r"TROP-?2"),
    ("NRG1", r"NRG-?1"),
    ("STK11", r"STK11|LKB1"),
    ("KEAP1", r"KEAP1"),
    ("ESR1", r"ESR1"),
    ("MSI", r"(?-i:MSI)|micro-?satellite\s+instab(?:le|ility)"),
    ("MSS", r"(?-i:MSS)|micro-?satellite[\s-]+stable"),
    ("MMR", r"(?-i:dMMR|pMMR|MMR)|mismatch[\s-]+repair(?:\s*\((?-i:MMR)\))?"),
    ("TMB", r"(?-i:TMB)|tumou?r\s+mutation(?:al)?\s+burden(?:\s*\((?-i:TMB)\))?"),
    ("HRD", r"(?-i:HRD)|homologous\s+recombination\s+deficien(?:cy|t)"),
    ("ER", r"(?-i:ER)|o?estrogen[\s-]+receptors?(?:\s*\((?-i:ER)\))?"),
    ("PR", r"(?-i:PR|PgR|PGR)|progesterone[\s-]+receptors?(?:\s*\((?-i:PR|PgR)\))?"),
    ("HR", r"(?-i:HR)|hormone[\s-]+receptors?(?:\s*\((?-i:HR)\))?"),
    ("AR", r"(?-i:AR)|androgen[\s-]+receptors?"),
    ("BCR-ABL1", r"BCR[\s-]*(?:/|::|-)?[\s-]*ABL1?|Philadelphia\s+chromosome|(?-i:Ph)(?=\+)"),
    ("JAK2", r"JAK-?2"),
    (None, r"CD(?:19|20|22|30|33|38|123)"),
    ("BCMA", r"BCMA"),
    ("GD2", r"GD2"),
    ("PSMA", r"PSMA"),
    ("SSTR", r"SSTR2?|somatostatin\s+receptors?"),
    ("FRα", r"FR(?:α|alpha)|folate\s+receptor[\s-]+(?:α|alpha)"),
    ("Nectin-4", r"nectin-?4"),
    ("B7-H3", r"B7-?H3"),
    ("Ki-67", r"Ki-?67"),
    ("MYC", r"(?-i:MYC|c-MYC|c-Myc)"),
    ("BCL2", r"BCL-?2"),
    ("EZH2", r"EZH2"),
    ("SMARCA4", r"SMARCA4"),
    ("CDKN2A", r"CDKN2A"),
    ("MTAP", r"(?-i:MTAP)"),
]
_MARKER = re.compile(
    r"\b(?:" + "|".join(f"(?P<m{i}>{pattern})" for i, (_, pattern) in enumerate(_MARKERS)) + f"){_END}",
    re.IGNORECASE,
)
_NAMES = {f"m{i}": name for i, (name, _) in enumerate(_MARKERS)}
_HINT = re.compile(
    r"egfr|epidermal|anaplastic|ros-?1|ras\b|raf\b|her-?[23]|erbb|c-?met\b|ntrk|pik3|pten|brca|palb|idh|flt-?3|npm1|p53"
    r"|pdgf|fgfr|dll-?3|delta|pd-?l1|death[\s-]+ligand|cldn|claudin|trop-?2|nrg-?1|stk11|lkb1|keap|esr1|msi|mss|satellite"
    r"|mmr|mismatch|tmb|mutation|hrd|homologous|estrogen|pgr|progesterone|hormone|androgen|bcr|philadelphia|ph\+"
    r"|jak-?2|bcma|gd2|psma|sstr|somatostatin|folate|nectin|b7-?h3|ki-?67|myc|bcl-?2|ezh2|smarca|cdkn|mtap|triple"
    r"|tnbc|\b(?:alk|met|ret|trk|atm|kit|er|pr|hr|ar|cd\d+|fr)\b"
)
_CONNECT = re.compile(r"(?:\s|[,/&]|\b(?:and|or|nor|and/or)\b)*", re.IGNORECASE)
_VARIANT = (
    r"exon\s*\d+\s*(?:deletions?|del|insertions?|ins|skipping|mutations?|alterations?|point\s+mutations?)?"
    r"|(?-i:[A-Z]\d{2,4}(?:[A-Z](?:/[A-Z])*|del|ins|fs|X|\*))(?![A-Za-z0-9])|(?-i:ITD|TKD)"
)
_MODIFIER = (
    r"activating|sensiti[sz]ing|driver|oncogenic|pathogenic|likely\s+pathogenic|deleterious|germline|somatic"
    r"|actionable|targetable|acquired|classic(?:al)?|common|rare|uncommon|atypical|canonical"
)
_QUALIFIER = rf"(?:{_VARIANT}|{_MODIFIER})"
# Alterations after the marker: (?P<name>...) gives the alteration, ``neg_`` a negative form.
_ALTERATION = (
    r"(?P<wildtype>wild[\s-]?type|(?-i:WT|wt)(?![A-Za-z])|non[\s-]?mutated|un-?mutated|mutation[\s-]+negative"
    r"|negative\s+for\s+(?:a\s+|any\s+)?mutations?)"
    r"|(?P<mutation>mutations?(?:[\s-]+positive)?|mutated|mutant|variants?|(?-i:SNVs?))"
    r"|(?P<alteration>alterations?|aberrations?|abnormalit(?:y|ies))"
    r"|(?P<rearrangement>rearrangements?|rearranged|translocations?|translocated)"
    r"|(?P<fusion>fusions?(?:[\s-]+positive)?|fused)"
    r"|(?P<amplification>amplifications?|amplified|copy[\s-]+number\s+gains?)"
    r"|(?P<overexpression>over-?expression|over-?expressing|over-?expressed|high\s+expression)"
    r"|(?P<expression>expression|expressing|expressed|staining)"
    r"|(?P<deletion>deletions?|deleted|loss(?:\s+of\s+function)?)"
    r"|(?P<proficient>proficien(?:t|cy)|intact)"
    r"|(?P<deficient>deficien(?:t|cy))"
    r"|(?P<high>high(?![\w-])|(?-i:H)(?![\w-]))"
    r"|(?P<low>low(?![\w-]))"
    r"|(?P<ihc3>(?:IHC\s*)?3\s?\+)"
    r"|(?P<negative>negative|negativity|neg(?![\w])|-(?=\s*(?:$|[,;)/]|(?:breast|tumou?rs?|cancer|disease|metastatic"
    r"|advanced|early|carcinoma|adenocarcinoma|nsclc|mbc|status)\b)))"
    r"|(?P<positive>positive|positivity|pos(?![\w])|\+)"
)
_GAP = (
    r"(?P<gap>(?:[\s:-]|\((?-i:[A-Z0-9\-]{1,8})\)"
    r"|\b(?:gene|genes|genome|genomic|status|protein|receptor|tumou?r|somatic|tissue)\b)*?)"
)
_QUALIFIERS = rf"(?P<quals>(?:(?:{_QUALIFIER})[\s,/-]*(?:(?:or|and|and/or)\s+)?)*)"
_AFTER = re.compile(rf"{_GAP}{_QUALIFIERS}(?P<alt>{_ALTERATION})", re.IGNORECASE)
_AFTER_VARIANT = re.compile(
    rf"{_GAP}(?P<quals>(?:(?:{_QUALIFIER})[\s,/-]*(?:(?:or|and|and/or)\s+)?)+)", re.IGNORECASE
)
_BEFORE = re.compile(
    r"(?:(?P<b_mutation>mutations?|variants?)|(?P<b_alteration>alterations?|aberrations?)"
    r"|(?P<b_rearrangement>rearrangements?|translocations?)|(?P<b_fusion>fusions?)|(?P<b_amplification>amplifications?)"
    r"|(?P<b_overexpression>over-?expression)|(?P<b_expression>expression|staining)|(?P<b_deletion>deletions?|loss)"
    r"|(?P<b_positive>positive|positivity)|(?P<b_negative>negative|negativity))"
    r"\s+(?:in|of|on|at|involving|affecting|for)\s+(?:the\s+)?(?:(?:genes?|proteins?)\s+)?$"
    r"|(?:(?P<a_mutation>mutated|mutant)|(?P<a_rearrangement>rearranged)|(?P<a_amplification>amplified)"
    r"|(?P<a_deficient>deficient)|(?P<a_proficient>proficient)|(?P<a_overexpression>over-?expressed)"
    r"|(?P<a_wildtype>wild[\s-]?type))[\s-]+$",
    re.IGNORECASE,
)
_QUALIFIER_BEFORE = re.compile(rf"(?P<q>(?:{_QUALIFIER})(?:[\s,]+(?:{_QUALIFIER}))*)[\s-]+$", re.IGNORECASE)
_DRUG_AFTER = re.compile(
    r"[\s-]*(?:(?:tyrosine\s+)?kinase\s+)?(?:inhibitors?|TKIs?|targeted|targeting|directed|antibod\w*|therap\w*|agents?"
    r"|blockers?|drugs?|treatment|CAR|vaccines?|bispecific|selective|ADC|conjugate|degrader|based)\b",
    re.IGNORECASE,
)
_ANTI_BEFORE = re.compile(r"\banti[\s-]*$", re.IGNORECASE)
_INDIFFERENT = re.compile(
    r"\b(?:regardless\s+of|irrespective\s+of|independent(?:ly)?\s+of|unknown|without\s+regard\s+to|any)\s+"
    r"(?:the\s+)?(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_THERAPY_WORDS = re.compile(r"prior|previous|treat|therap|inhibitor|tki|drug|agent", re.IGNORECASE)
_PERCENT = r"(?:%|percent\b|per\s*cent\b)"
_EXPRESSION = re.compile(
    r"[\s:(,-]*(?:(?P<metric>TPS|CPS|TC|IC|H-?score|tumou?r\s+proportion\s+score|combined\s+positive\s+score)"
    r"(?:\s*\((?:TPS|CPS)\))?[\s:-]*(?:score\s*)?)?(?:of\s+|in\s+)?(?P<t>"
    + threshold_pattern(_PERCENT, between_and=True)
    + r")(?:\s+(?:of|in)\s+(?:the\s+)?(?:viable\s+)?(?:tumou?r|neoplastic|malignant|cancer|blast)?\s*cells)?",
    re.IGNORECASE,
)
_COORDINATED = re.compile(r"[\s,/]*(?:\b(?:or|and|nor|and/or)\b[\s,/]*)?(?:an?\s+)?", re.IGNORECASE)
# Names that carry their own alteration ("dMMR", "MSS"): never part of a list that shares one.
_SELF_CONTAINED = re.compile(r"[dp]MMR|MSS|micro-?satellite[\s-]+stable", re.IGNORECASE)
_STATUS_AFTER = re.compile(
    r"[\s-]*(?:\((?-i:MSI)\)\s*)?(?:status|test|testing|assessment|analysis|result)", re.I
)
_TRIPLE_NEGATIVE = re.compile(r"\btriple[\s-]+negative\b|\bTNBC\b", re.IGNORECASE)
_POSITIVE_FORMS = {
    "wildtype": ("mutation", True),
    "mutation": ("mutation", False),
    "alteration": ("alteration", False),
    "rearrangement": ("rearrangement", False),
    "fusion": ("fusion", False),
    "amplification": ("amplification", False),
    "overexpression": ("overexpression", False),
    "expression": ("expression", False),
    "deletion": ("deletion", False),
    "proficient": ("deficient", True),
    "deficient": ("deficient", False),
    "high": ("high", False),
    "low": ("low", False),
    "ihc3": ("positive", False),
    "negative": ("positive", True),
    "positive": ("positive", False),
}


def _marker_name(match: re.Match[str]) -> str:
    name = _NAMES[match.lastgroup or ""]
    if name is not None:
        return name
    return re.sub(r"[\s-]", "", match.group(0)).upper()


class _Found:
    __slots__ = ("alteration", "end", "expression", "negative", "qualifiers", "start", "value_span")

    def __init__(self) -> None:
        self.alteration: str | None = None
        self.negative = False
        self.qualifiers: list[str] = []
        self.expression: Bound | None = None
        self.start = 0
        self.end = 0
        self.value_span: Span | None = None


def _variant_is_mutation(qualifiers: list[str]) -> bool:
    return any(re.match(_VARIANT, q) for q in qualifiers)


def _read_group(view: str, start: int, end: int, names: list[str]) -> _Found | None:
    """The alteration stated for markers named at [start, end): after them or before them."""
    found = _Found()
    found.start, found.end = start, end
    before = _BEFORE.search(view, max(0, start - 40), start)
    if before:
        name = next(k for k, v in before.groupdict().items() if v)
        alteration, negative = _POSITIVE_FORMS.get(name[2:], (name[2:], False))
        found.alteration, found.negative = alteration, negative
        found.start = before.start()
        found.value_span = Span(before.start(), before.end())
    qualifier_before = _QUALIFIER_BEFORE.search(view, max(0, found.start - 50), found.start)
    if qualifier_before:
        found.qualifiers.append(" ".join(qualifier_before.group("q").split()))
        found.start = qualifier_before.start()
    after = _AFTER.match(view, end) or _AFTER_VARIANT.match(view, end)
    if after:
        quals = [" ".join(q.split()) for q in re.findall(_QUALIFIER, after.group("quals"), re.IGNORECASE)]
        found.qualifiers.extend(quals)
        alt = after.groupdict().get("alt")
        if alt and found.alteration is None:
            name = next(k for k in _POSITIVE_FORMS if after.group(k))
            found.alteration, found.negative = _POSITIVE_FORMS[name]
            if name == "ihc3":
                found.qualifiers.append(" ".join(alt.split()))
            found.value_span = Span(after.start("alt"), after.end("alt"))
            found.end = after.end()
        elif quals:
            found.end = after.end("quals")
            while found.end > end and view[found.end - 1] in " ,/-":
                found.end -= 1
            found.value_span = Span(after.start("quals"), found.end)
    expression = _EXPRESSION.match(view, found.end)
    if expression:
        threshold = read_threshold(expression, "t")
        if threshold is not None and threshold.directed and (threshold.unit or expression.group("metric")):
            found.expression = threshold.bound
            found.alteration, found.negative = "expression", False
            if expression.group("metric"):
                found.qualifiers.append(expression.group("metric").upper().replace(" ", ""))
            found.value_span = Span(
                expression.start("metric") if expression.group("metric") else threshold.start, threshold.end
            )
            found.end = expression.end()
    words = view[start:end].lower()
    if found.alteration is None:
        if found.qualifiers and _variant_is_mutation(found.qualifiers):
            found.alteration = "mutation"  # "BRAF V600E"
        elif names[0] == "MSS" or ("instab" in words and not _STATUS_AFTER.match(view, end)):
            found.alteration = "high"  # "microsatellite instability" is MSI-high; MSS is its absence
        elif words.startswith(("dmmr", "pmmr")):
            found.alteration = "deficient"
        else:
            return None
    if words.startswith("pmmr"):
        found.alteration, found.negative = "deficient", not found.negative  # proficient: not deficient
    return found


def read_biomarkers(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """One `BiomarkerRule` per marker named with an alteration (or an expression threshold)."""
    if not _HINT.search(lowered(view)):
        return []
    rules: list[Rule] = []
    mentions = list(_MARKER.finditer(view))
    groups: list[list[re.Match[str]]] = []
    for mention in mentions:
        if (
            groups
            and not _SELF_CONTAINED.fullmatch(mention.group(0))
            and not _SELF_CONTAINED.fullmatch(groups[-1][-1].group(0))
            and _CONNECT.fullmatch(view, groups[-1][-1].end(), mention.start())
        ):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    floor, previous_negated = 0, False
    for group in groups:
        start, end = group[0].start(), group[-1].end()
        if _ANTI_BEFORE.search(view, max(0, start - 8), start) or _INDIFFERENT.search(
            view, max(0, start - 40), start
        ):
            continue
        names = [_marker_name(m) for m in group]
        found = _read_group(view, start, end, names)
        if found is None:
            continue
        if _DRUG_AFTER.match(view, found.end):
            continue  # "EGFR mutation-selective TKI", "HER2-targeted therapy"
        negated = negated_before(view, found.start, floor)
        if negated and _THERAPY_WORDS.search(view, max(floor, found.start - 60), found.start):
            negated = False  # "no prior EGFR TKI for EGFR-mutant disease": the "no" is the therapy's
        if floor and not negated and _COORDINATED.fullmatch(view, floor, found.start):
            negated = previous_negated  # "no EGFR mutation or ALK rearrangement"
        floor, previous_negated = found.end, negated
        verdict = expect(kind, negated != found.negative)
        qualifier = ", ".join(dict.fromkeys(found.qualifiers)) or None
        for mention, name in zip(group, names, strict=True):
            marker = "MSI" if name == "MSS" else name
            negative = found.negative != (name == "MSS")
            parts = [Part(PartRole.MEASUREMENT, Span(mention.start(), mention.end()))]
            if found.value_span is not None:
                parts.append(Part(PartRole.VALUE, found.value_span))
            rules.append(
                BiomarkerRule(
                    expect=expect(kind, negated != negative) if name == "MSS" else verdict,
                    span=Span(found.start, found.end),
                    parts=tuple(sorted(parts, key=lambda p: p.span.start)),
                    marker=marker,
                    alteration=found.alteration,
                    qualifier=qualifier,
                    expression=found.expression,
                )
            )
    rules.extend(_triple_negative(view, kind))
    unique: dict[tuple[str, str | None, str], Rule] = {}
    for rule in rules:
        assert isinstance(rule, BiomarkerRule)
        unique.setdefault(
            (rule.marker, rule.alteration, rule.expect), rule
        )  # "microsatellite instability-high (MSI-H)"
    return list(unique.values())


def _triple_negative(view: str, kind: CriterionKind) -> list[Rule]:
    found = _TRIPLE_NEGATIVE.search(view)
    if found is None:
        return []
    span = Span(found.start(), found.end())
    verdict = expect(kind, not negated_before(view, found.start()))
    return [
        BiomarkerRule(
            expect=verdict,
            span=span,
            parts=(Part(PartRole.VALUE, span),),
            marker=marker,
            alteration="positive",
            qualifier="triple-negative",
        )
        for marker in ("ER", "PR", "HER2")
    ]


READERS = [read_biomarkers]
