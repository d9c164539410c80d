"""One line per typed rule, for people who check the parse: what was read, and its polarity.

"requires ECOG ≤ 1", "excludes HIV (known)", "requires creatinine_clearance > 50 mL/min",
"excludes other malignancy within 5 years (except: adequately treated non-melanoma skin cancer)".
"""

from __future__ import annotations

from trialscout.eligibility.model import (
    AgeRule,
    AutoimmuneRule,
    BiomarkerRule,
    Bound,
    CnsMetastasesRule,
    ConditionRule,
    DiagnosisRule,
    Expect,
    InfectionRule,
    LabRule,
    LifeExpectancyRule,
    MeasurableDiseaseRule,
    MedicationRule,
    OtherMalignancyRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    ProcedureRule,
    ReproductiveRule,
    Rule,
    SexRule,
    TimeWindow,
    TransplantRule,
)


def bound_text(bound: Bound, unit: str = "") -> str:
    """'≥ 18', '< 3 xULN', '18-75', 'any' for an interval."""
    suffix = f" {unit}" if unit else ""
    low, high = bound.low, bound.high
    if low is not None and high is not None:
        if low == high and bound.low_inclusive and bound.high_inclusive:
            return f"= {low:g}{suffix}"
        lo = "" if bound.low_inclusive else ">"
        hi = "" if bound.high_inclusive else "<"
        return f"{lo}{low:g}–{hi}{high:g}{suffix}"
    if low is not None:
        return f"{'≥' if bound.low_inclusive else '>'} {low:g}{suffix}"
    if high is not None:
        return f"{'≤' if bound.high_inclusive else '<'} {high:g}{suffix}"
    return "any"


def window_text(window: TimeWindow | None) -> str:
    if window is None:
        return ""
    relation = {"within": "within", "at_least": "at least"}.get(window.relation, "")
    anchor = f" of {window.anchor}" if window.anchor else ""
    return f" {relation} {window.amount:g} {window.unit}{anchor}".replace("  ", " ")


def _what(rule: Rule) -> str:
    match rule:
        case AgeRule():
            return f"age {bound_text(rule.years, 'years')}"
        case SexRule():
            return f"sex {rule.sex.lower()}"
        case ReproductiveRule():
            return rule.state.replace("_", " ")
        case PerformanceStatusRule():
            same = rule.scale in {"ECOG", "WHO", "ZUBROD"}
            return f"{rule.scale} {bound_text(rule.score)}" + (
                "" if same else f" (ECOG {bound_text(rule.ecog)})"
            )
        case LabRule():
            return f"{rule.analyte} {bound_text(rule.bound, rule.unit)}"
        case LifeExpectancyRule():
            return f"life expectancy {bound_text(rule.weeks, 'weeks')}"
        case MeasurableDiseaseRule():
            return "measurable disease" + (f" ({rule.standard})" if rule.standard else "")
        case DiagnosisRule():
            details = ", ".join(x for x in (rule.histology, rule.stage, rule.setting, rule.confirmation) if x)
            return rule.condition + (f" ({details})" if details else "")
        case ConditionRule():
            qualifier = f"{rule.qualifier} " if rule.qualifier else ""
            return f"{qualifier}{rule.condition}{window_text(rule.window)}"
        case BiomarkerRule():
            parts = " ".join(x for x in (rule.marker, rule.qualifier, rule.alteration) if x)
            return parts + (f" {bound_text(rule.expression, '%')}" if rule.expression else "")
        case PriorTherapyRule():
            lines = f", lines {bound_text(rule.lines)}" if rule.lines else ""
            progression = ", with progression" if rule.progression else ""
            therapies = ", ".join(rule.therapies) or "therapy"
            return f"prior {therapies}{lines}{progression}{window_text(rule.window)}"
        case CnsMetastasesRule():
            return f"CNS metastases ({rule.state.replace('_', ' ')})"
        case InfectionRule():
            return rule.infection + (f" ({rule.qualifier})" if rule.qualifier else "")
        case TransplantRule():
            return "transplant" + (f" ({rule.organ})" if rule.organ else "")
        case AutoimmuneRule():
            return (
                "autoimmune disease"
                + (f" ({rule.qualifier})" if rule.qualifier else "")
                + window_text(rule.window)
            )
        case OtherMalignancyRule():
            years = f" within {rule.within_years:g} years" if rule.within_years else ""
            return f"other malignancy{years}"
        case MedicationRule():
            dose = f" {bound_text(rule.dose, rule.dose_unit or '')}" if rule.dose else ""
            return f"{rule.medication}{dose}{window_text(rule.window)}"
        case ProcedureRule():
            return f"{rule.procedure}{window_text(rule.window)}"
    return type(rule).__name__


def describe_rule(rule: Rule) -> str:
    """'requires ...' or 'excludes ...', with any stated exceptions."""
    verb = "requires" if rule.expect is Expect.PRESENT else "excludes"
    text = f"{verb} {_what(rule)}"
    if rule.exceptions:
        text += " (except: " + "; ".join(" ".join(e.text.split()) for e in rule.exceptions) + ")"
    return text
