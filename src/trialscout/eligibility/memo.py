"""Per-process memory of what one criterion's words read as, so boilerplate is read once.

The registry repeats criteria word for word across trials ("Signed informed consent", "ECOG
performance status 0-1"): in the 7,225 real trials, 82,152 distinct texts among 115,423
criteria. The costly reads of one criterion are pure functions of its words and of what they
are read with, so each is kept in a bounded least-recently-used memory per process:

- `read_rules(text, kind)`: the typed rules of one criterion's words (spans are offsets in
  ``text``, so nothing depends on where the criterion sits);
- `find_exceptions(text, offset)`: the exceptions its words state, kept at offset 0 and moved
  to the criterion's place;
- `plain_sentence(criterion, parent)`: its plain sentence. The sentence depends on the
  criterion's words, kind, topic, role, rules, groups, exceptions and scope and on its parent's,
  each read with offsets from its own start, so the key is both criteria moved to start at 0
  (`relative`) and stripped of what the sentence never reads (ids, alternatives).

`configure(size)` sets how many entries each memory keeps (0: none); `stats()` says how often
each was asked and answered from memory.
"""

from __future__ import annotations

import functools
import sys
from typing import NamedTuple

import msgspec

from trialscout.eligibility.model import Criterion, CriterionKind, Rule, Scope, Span, StatedException
from trialscout.eligibility.plain import plain_sentence as _plain_sentence
from trialscout.eligibility.polarity import find_exceptions as _find_exceptions
from trialscout.eligibility.rules.read import read_rules as _read_rules

#: Entries kept by each memory. About 3 KB a criterion (its rules and sentence): ~60 MB at most.
DEFAULT_SIZE = 20_000

_NO_FLOOR = -sys.maxsize


class MemoStats(NamedTuple):
    """How often one memory was asked (``calls``) and answered from memory (``hits``)."""

    calls: int
    hits: int
    size: int

    @property
    def hit_rate(self) -> float:
        return self.hits / self.calls if self.calls else 0.0


def moved(span: Span, by: int, floor: int = _NO_FLOOR) -> Span:
    """``span`` moved by ``by`` characters, no earlier than ``floor``."""
    return Span(max(floor, span.start + by), max(floor, span.end + by))


def moved_rule(rule: Rule, by: int, floor: int = _NO_FLOOR) -> Rule:
    """A rule with every span it holds (its own, its parts', its exceptions', its window's)
    moved by ``by``, none earlier than ``floor``."""
    changes: dict[str, object] = {"span": moved(rule.span, by, floor)}
    if rule.parts:
        changes["parts"] = tuple(
            msgspec.structs.replace(p, span=moved(p.span, by, floor)) for p in rule.parts
        )
    if rule.exceptions:
        changes["exceptions"] = tuple(
            msgspec.structs.replace(e, span=moved(e.span, by, floor)) for e in rule.exceptions
        )
    window = getattr(rule, "window", None)
    if window is not None and window.span is not None:
        changes["window"] = msgspec.structs.replace(window, span=moved(window.span, by, floor))
    return msgspec.structs.replace(rule, **changes)


def _moved_exception(exception: StatedException, by: int) -> StatedException:
    return msgspec.structs.replace(exception, span=moved(exception.span, by))


def relative(criterion: Criterion) -> Criterion:
    """The criterion as its plain sentence reads it: every offset from its own start, without
    its id, its parent's id (only whether it has one) and its alternatives."""
    by = -criterion.span.start
    scope = criterion.scope
    if scope is not None:
        scope = Scope(
            text=scope.text, span=moved(scope.span, by), rules=tuple(moved_rule(r, by) for r in scope.rules)
        )
    return msgspec.structs.replace(
        criterion,
        id="",
        parent=None if criterion.parent is None else "",
        span=moved(criterion.span, by),
        exceptions=tuple(_moved_exception(e, by) for e in criterion.exceptions),
        rules=tuple(moved_rule(r, by) for r in criterion.rules),
        scope=scope,
        alternative_to=(),
    )


def _sentence(criterion: Criterion, parent: Criterion | None) -> str:
    return _plain_sentence(criterion, parent=parent)


class _Memory:
    def __init__(self) -> None:
        self.size = DEFAULT_SIZE
        self._build()

    def _build(self) -> None:
        self.rules = functools.lru_cache(self.size)(_read_rules)
        self.sentence = functools.lru_cache(self.size)(_sentence)
        self.exceptions = functools.lru_cache(self.size)(_find_exceptions)

    def configure(self, size: int) -> None:
        self.size = size
        self._build()


_MEMORY = _Memory()


def configure(size: int = DEFAULT_SIZE) -> None:
    """Keep up to ``size`` entries in each memory (0: remember nothing), forgetting all kept."""
    if size < 0:
        raise ValueError("size must be 0 or more")
    _MEMORY.configure(size)


def stats() -> dict[str, MemoStats]:
    """Calls and hits of each memory since it was last configured."""
    infos = {
        "rules": _MEMORY.rules.cache_info(),
        "sentence": _MEMORY.sentence.cache_info(),
        "exceptions": _MEMORY.exceptions.cache_info(),
    }
    return {
        name: MemoStats(calls=info.hits + info.misses, hits=info.hits, size=info.currsize)
        for name, info in infos.items()
    }


def read_rules(text: str, kind: CriterionKind) -> tuple[Rule, ...]:
    """`rules.read.read_rules`, remembered."""
    return _MEMORY.rules(text, kind)


def plain_sentence(criterion: Criterion, parent: Criterion | None = None) -> str:
    """`plain.plain_sentence`, remembered by the criterion and its parent as the sentence reads
    them (`relative`)."""
    return _MEMORY.sentence(relative(criterion), None if parent is None else relative(parent))


def find_exceptions(text: str, offset: int = 0) -> tuple[StatedException, ...]:
    """`polarity.find_exceptions`, remembered by the words alone and moved to ``offset``."""
    found = _MEMORY.exceptions(text)
    return tuple(_moved_exception(e, offset) for e in found) if offset else found
