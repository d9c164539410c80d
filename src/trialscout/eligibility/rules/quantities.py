"""The quantity readers: who may take part, how well they are, their tests and their tumour.

`READERS`, in the order `read_rules` calls them:

- `demographics`: age (`AgeRule`), sex (`SexRule`), pregnancy, breast-feeding, contraception and
  childbearing potential (`ReproductiveRule`);
- `performance`: ECOG/WHO/Zubrod/GOG, Karnofsky and Lansky performance status
  (`PerformanceStatusRule`, with the ECOG equivalent) and life expectancy (`LifeExpectancyRule`);
- `labs`: laboratory and physiological thresholds in one canonical unit per analyte
  (`LabRule`, `labs.CANONICAL_UNITS`), stated exceptions kept on the rules they qualify;
- `measurable`: measurable or evaluable disease and its response criteria
  (`MeasurableDiseaseRule`);
- `biomarkers`: mutations, rearrangements, receptor status and expression thresholds
  (`BiomarkerRule`).

Each reader is ``(text, view, kind) -> list[Rule]``, never raises on any text, and looks for
its keywords before it runs any costly pattern.
"""

from __future__ import annotations

from trialscout.eligibility.rules import Reader, biomarkers, demographics, labs, measurable, performance

READERS: list[Reader] = [
    *demographics.READERS,
    *performance.READERS,
    *labs.READERS,
    *measurable.READERS,
    *biomarkers.READERS,
]
