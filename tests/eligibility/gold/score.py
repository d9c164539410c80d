"""Score trialscout's criteria parser and matcher against the gold set (see README.md).

- **Splitting**: the share of gold criteria that one of ours starts at (within a few
  characters: a bullet or a topic label may be trimmed differently), and whose kind and role
  agree.
- **Typed rules**: precision and recall of our rules against the gold rules, per drawn span
  (rules of the span's criteria and of their own scopes), matched one to one on type,
  polarity and key: the same analyte or scale and the same bounds (a bound is compared as
  the values it allows, so "present, at most 5" equals "absent, above 5"), or for named
  things (conditions, drugs, procedures) overlapping content words. "Lenient" also counts
  a condition read as a diagnosis (and a medication as a prior therapy), the same thing under
  a neighbouring type.
- **Verdicts** (the patient x trial cases): every criterion we call *not met* that no gold
  criterion inside it calls not met is a **wrong "not met"**; we also count the gold
  not-mets we miss, and the trial-level results.
- **Plain sentences**: the share built (not the original words shown), and whether ours and
  the reference agree on polarity (can join only if / cannot join if), an automatic proxy;
  meaning and grammar are reviewed by hand (docs/eligibility-readability.md).

Run ``python -m tests.eligibility.gold.score [data folder]`` for the report.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.eligibility.gold.draw import registry_trials
from trialscout.eligibility.model import (
    AgeRule,
    BiomarkerRule,
    CnsMetastasesRule,
    ConditionRule,
    Criterion,
    DiagnosisRule,
    Expect,
    InfectionRule,
    LabRule,
    LifeExpectancyRule,
    MedicationRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    ProcedureRule,
    ReproductiveRule,
    Rule,
    SexRule,
    TransplantRule,
)
from trialscout.eligibility.parse import parse_eligibility
from trialscout.matching.check import TrialCheck, Verdict, check_trial
from trialscout.model.labs import analyte_key
from trialscout.model.trial import Trial
from trialscout.patients.intake import patient_from_bytes

GOLD = Path(__file__).parent
#: How far (characters) our criterion may start from the gold one and still be the same split.
SLACK = 4


def gold_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for name in sorted(GOLD.glob("criteria-*.json")):
        items.extend(json.loads(name.read_text()))
    return sorted(items, key=lambda i: i["n"])


def gold_cases() -> list[dict[str, Any]]:
    return list(json.loads((GOLD / "cases.json").read_text()))


def gold_reviews() -> list[dict[str, Any]]:
    """The hand review of the built plain sentences (meaning, grammar), by (n, starts, sentence)."""
    path = GOLD / "plain-review.json"
    return list(json.loads(path.read_text())) if path.exists() else []


def built_sentences(items: list[dict[str, Any]], trials: dict[str, Trial]) -> Iterator[tuple[int, str, str]]:
    """(n, starts, sentence) of every gold criterion our parser writes a plain sentence for."""
    for item in items:
        trial = trials[item["nct_id"]]
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        ours = parse_eligibility(trial).criteria
        for gold in item["criteria"]:
            mine = _criterion_at(ours, _position(text, gold["starts"], *item["span"]))
            if mine is not None and mine.plain and not mine.plain_original:
                yield item["n"], gold["starts"], mine.plain


def trials_for(data: Path, nct_ids: Iterable[str]) -> dict[str, Trial]:
    wanted = set(nct_ids)
    return {t.nct_id: t for t in registry_trials(data) if t.nct_id in wanted}


# --- rules -------------------------------------------------------------------------------

_STOP_WORDS = (
    "a an the of or and with in on to for any known history prior previous current active other"
    " patients patient subjects disease diseases disorder disorders within than who has have had"
)
_STOP = frozenset(_STOP_WORDS.split())
_NEIGHBOURS = {
    "condition": "condition",
    "diagnosis": "condition",
    "medication": "drug",
    "prior_therapy": "drug",
}


def _words(text: str) -> set[str]:
    """Content words, singular ("malformations" and "malformation" are one word)."""
    words = (w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 1)
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}


def _same_words(gold: str, ours: Iterable[str]) -> bool:
    want = _words(gold)
    if not want:
        return True
    for name in ours:
        have = _words(name)
        if have and (want <= have or have <= want or len(want & have) / len(want | have) >= 0.34):
            return True
    return False


def _allowed(low: float | None, high: float | None, expect: str) -> tuple[str, float | None, float | None]:
    """A bound as the values it allows: one-sided bounds on "absent" flip to the other side."""
    if expect == "absent" and (low is None) != (high is None):
        return "inside", high, low
    return ("inside" if expect == "present" else "outside"), low, high


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(0.02 * max(abs(a), abs(b)), 0.051)


def _bounds_agree(gold: dict[str, Any], low: float | None, high: float | None, expect: Expect) -> bool:
    if gold.get("low") is None and gold.get("high") is None:
        return True
    want = _allowed(gold.get("low"), gold.get("high"), gold["expect"])
    have = _allowed(low, high, str(expect))
    return want[0] == have[0] and _close(want[1], have[1]) and _close(want[2], have[2])


def _names(rule: Rule) -> list[str]:
    if isinstance(rule, (ConditionRule, DiagnosisRule)):
        return [rule.condition, *rule.concepts]
    if isinstance(rule, PriorTherapyRule):
        return list(rule.therapies)
    if isinstance(rule, MedicationRule):
        return [rule.medication]
    if isinstance(rule, ProcedureRule):
        return [rule.procedure]
    if isinstance(rule, InfectionRule):
        return [rule.infection, *(["hepatitis b"] if rule.infection == "HBV" else [])] + (
            ["hepatitis c"] if rule.infection == "HCV" else []
        )
    if isinstance(rule, BiomarkerRule):
        return [rule.marker]
    if isinstance(rule, ReproductiveRule):
        return [rule.state.replace("_", " "), {"pregnant": "pregnancy"}.get(rule.state, rule.state)]
    if isinstance(rule, CnsMetastasesRule):
        return [rule.state.replace("_", " ")]
    if isinstance(rule, TransplantRule):
        return [rule.organ or "transplant"]
    return []


def rule_matches(gold: dict[str, Any], rule: Rule, *, lenient: bool = False) -> bool:
    tag = str(rule.__struct_config__.tag)
    if tag != gold["type"] and not (
        lenient and _NEIGHBOURS.get(tag, tag) == _NEIGHBOURS.get(gold["type"], "")
    ):
        return False
    numeric = isinstance(rule, (AgeRule, LabRule, LifeExpectancyRule, PerformanceStatusRule))
    if not numeric and str(rule.expect) != gold["expect"]:
        return False
    key = gold.get("key")
    if isinstance(rule, AgeRule):
        return _bounds_agree(gold, rule.years.low, rule.years.high, rule.expect)
    if isinstance(rule, LifeExpectancyRule):
        return _bounds_agree(gold, rule.weeks.low, rule.weeks.high, rule.expect)
    if isinstance(rule, PerformanceStatusRule):
        same_scale = not key or key.upper() in rule.scale.upper() or rule.scale.upper() in key.upper()
        return same_scale and _bounds_agree(gold, rule.score.low, rule.score.high, rule.expect)
    if isinstance(rule, LabRule):
        if key and not (_same_words(key, [rule.analyte.replace("_", " ")]) or _analyte(key) == rule.analyte):
            return False
        return _bounds_agree(gold, rule.bound.low, rule.bound.high, rule.expect)
    if isinstance(rule, SexRule):
        return not key or key.lower() == rule.sex.lower()
    return not key or _same_words(key, _names(rule))


def _analyte(name: str) -> str:
    return analyte_key(name)


def match_rules(gold: list[dict[str, Any]], ours: list[Rule], *, lenient: bool = False) -> int:
    """How many gold rules one of ours matches, one to one (greedy in reading order)."""
    free = list(ours)
    hits = 0
    for want in gold:
        found = next((r for r in free if rule_matches(want, r, lenient=lenient)), None)
        if found is not None:
            free.remove(found)
            hits += 1
    return hits


# --- the report --------------------------------------------------------------------------


@dataclass
class Report:
    criteria: int = 0
    split_right: int = 0
    kind_right: int = 0
    role_right: int = 0
    gold_rules: int = 0
    our_rules: int = 0
    matched: int = 0
    matched_lenient: int = 0
    by_type: Counter[str] = field(default_factory=Counter)  # gold rules per type
    found_by_type: Counter[str] = field(default_factory=Counter)
    plain_built: int = 0
    plain_checked: int = 0
    polarity_agrees: int = 0
    cases: int = 0
    verdicts: int = 0
    wrong_not_met: list[str] = field(default_factory=list)
    missed_not_met: list[str] = field(default_factory=list)
    results: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, ours)

    @property
    def precision(self) -> float:
        return self.matched / self.our_rules if self.our_rules else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold_rules if self.gold_rules else 0.0


def _position(text: str, starts: str, lo: int, hi: int) -> int:
    at = text.find(starts, lo, hi + len(starts))
    return at if at >= 0 else text.find(starts)


def _polarity(sentence: str) -> str | None:
    """Whether a sentence says what keeps a patient out or what lets them in (first person
    statements, "I have ...", are requirements)."""
    words = sentence.lower().strip()
    if re.search(
        r"cannot join|can't join|not be able to join|not eligible|cannot take part|not allowed|excluded",
        words,
    ):
        return "excludes"
    if re.search(
        r"can join|can take part|\byou must|\byou need|only if|must be|eligible|allowed|required", words
    ) or (re.match(r"(?:if [^,]+, )?(?:i|my|i'm|i am|i have)\b", words)):
        return "requires"
    return None


def score_items(items: list[dict[str, Any]], trials: dict[str, Trial], report: Report) -> None:
    for item in items:
        trial = trials[item["nct_id"]]
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        ours = parse_eligibility(trial).criteria
        lo, hi = item["span"]
        gold_rules: list[dict[str, Any]] = []
        for gold in item["criteria"]:
            report.criteria += 1
            at = _position(text, gold["starts"], lo, hi)
            mine = _criterion_at(ours, at)
            if mine is not None and abs(mine.span.start - at) <= SLACK:
                report.split_right += 1
            if mine is not None and str(mine.kind) == gold["kind"]:
                report.kind_right += 1
            if mine is not None and str(mine.role) == gold["role"]:
                report.role_right += 1
            rules = [*gold.get("rules", []), *((gold.get("scope") or {}).get("rules") or [])]
            gold_rules.extend(rules)
            for rule in rules:
                report.by_type[rule["type"]] += 1
            if mine is not None and gold["role"] == "requirement" and gold.get("plain"):
                report.plain_checked += 1
                report.plain_built += not getattr(mine, "plain_original", False)
                want = _polarity(gold["plain"])
                report.polarity_agrees += want is None or want == _polarity(mine.plain)
        found = list(_rules_in(ours, lo, hi))
        report.gold_rules += len(gold_rules)
        report.our_rules += len(found)
        report.matched += match_rules(gold_rules, found)
        report.matched_lenient += match_rules(gold_rules, found, lenient=True)
        free = list(found)
        for gold_rule in gold_rules:
            hit = next((r for r in free if rule_matches(gold_rule, r)), None)
            if hit is not None:
                free.remove(hit)
                report.found_by_type[gold_rule["type"]] += 1


def _criterion_at(criteria: Iterable[Criterion], at: int) -> Criterion | None:
    """Our criterion holding position ``at``: the innermost (a sub-point before its parent)."""
    holding = [c for c in criteria if c.span.start - SLACK <= at < c.span.end]
    return min(holding, key=lambda c: (abs(c.span.start - at), c.span.end - c.span.start), default=None)


def _rules_in(criteria: Iterable[Criterion], lo: int, hi: int) -> Iterator[Rule]:
    for criterion in criteria:
        scope = getattr(criterion, "scope", None)  # (parsers before the structure had none)
        scope_rules = scope.rules if scope is not None else ()
        for rule in (*criterion.rules, *scope_rules):
            if lo - SLACK <= rule.span.start and rule.span.end <= hi + SLACK:
                yield rule


def score_cases(cases: list[dict[str, Any]], trials: dict[str, Trial], report: Report) -> list[TrialCheck]:
    checks = []
    for case in cases:
        trial = trials[case["nct_id"]]
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        as_of = dt.date.fromisoformat(case["profile"]["as_of"]) if case["profile"].get("as_of") else None
        profile = patient_from_bytes(json.dumps(case["profile"]).encode(), as_of=as_of).profile
        parsed = parse_eligibility(trial)
        check = check_trial(profile, trial, parsed)
        checks.append(check)
        report.cases += 1
        spans = {c.id: c.span for c in parsed.criteria}
        gold = [(text.find(g["starts"]), g) for g in case["criteria"]]
        failing_gold = {at for at, g in gold if g["verdict"] == "not_met"}
        for verdict in check.criteria:
            report.verdicts += 1
            if verdict.verdict is not Verdict.NOT_MET:
                continue
            span = spans.get(verdict.id)
            if span is None:  # R1, the registry's age and sex fields
                if case["result"] != "not_eligible":
                    report.wrong_not_met.append(f"{case['id']} {verdict.id}: {verdict.reason}")
                continue
            if not any(span.start - SLACK <= at < span.end for at in failing_gold):
                report.wrong_not_met.append(f"{case['id']} {verdict.id}: {verdict.reason}")
        ours_failing = [spans[v.id] for v in check.criteria if v.verdict is Verdict.NOT_MET and v.id in spans]
        for at, g in gold:
            caught = any(s.start - SLACK <= at < s.end for s in ours_failing) or "R1" in check.failing
            if g["verdict"] == "not_met" and not caught:
                report.missed_not_met.append(f"{case['id']}: {g['starts']}")
        report.results[(case["result"], str(check.result))] += 1
    return checks


def run(data: Path) -> Report:
    items, cases = gold_items(), gold_cases()
    trials = trials_for(data, {i["nct_id"] for i in items} | {c["nct_id"] for c in cases})
    report = Report()
    score_items(items, trials, report)
    score_cases(cases, trials, report)
    return report


def render(report: Report) -> str:
    def share(a: int, b: int) -> str:
        return f"{a}/{b} ({100 * a / b:.1f}%)" if b else "-"

    lines = [
        f"criteria: {report.criteria}; split right {share(report.split_right, report.criteria)},"
        f" kind {share(report.kind_right, report.criteria)},"
        f" role {share(report.role_right, report.criteria)}",
        f"typed rules: gold {report.gold_rules}, ours {report.our_rules}, matched {report.matched}:"
        f" precision {report.precision:.3f}, recall {report.recall:.3f}"
        f" (lenient: {report.matched_lenient / max(report.our_rules, 1):.3f} /"
        f" {report.matched_lenient / max(report.gold_rules, 1):.3f})",
        "recall by type: "
        + ", ".join(
            f"{t} {report.found_by_type[t]}/{n}"
            for t, n in sorted(report.by_type.items(), key=lambda x: -x[1])
        ),
        f"plain: built {share(report.plain_built, report.plain_checked)},"
        f" polarity agrees with the reference {share(report.polarity_agrees, report.plain_checked)}",
        f"cases: {report.cases}, {report.verdicts} criterion verdicts;"
        f" wrong 'not met' {len(report.wrong_not_met)}, missed 'not met' {len(report.missed_not_met)}",
        "results (gold -> ours): "
        + ", ".join(f"{g} -> {o}: {n}" for (g, o), n in sorted(report.results.items())),
    ]
    lines += [f"  wrong not met: {w}" for w in report.wrong_not_met]
    lines += [f"  missed not met: {m}" for m in report.missed_not_met]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data"))))
