"""Eligibility criteria: from the registry's text to atomic, checkable criteria."""
