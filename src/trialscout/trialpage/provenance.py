"""Where a derived fact came from: the registry fields it read, their words, and the rule.

Every badge, estimate and plain sentence of the patient layer carries a `Derived`, so every
edge (the CLI, the API, the web page) can show "why" beside it: the rule in words, and for each
field its path in the registry's API v2 record and what the record says there.
"""

from __future__ import annotations

import msgspec


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """One registry field a fact was read from, and what the record says there."""

    field: str  # the API v2 path: "protocolSection.armsInterventionsModule.armGroups[1].type"
    words: str  # the record's value, as registered ("ACTIVE_COMPARATOR", "Placebo Q2W + Cetuximab")


class Derived(msgspec.Struct, frozen=True, kw_only=True):
    """The rule a fact follows, in words a person can check, and the fields it read."""

    rule: str
    evidence: tuple[Evidence, ...] = ()
