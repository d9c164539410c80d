"""Matching a patient to trials: a profile from a note or FHIR, per-criterion verdicts, ranked trials."""
