"""Related trials: those that share a trial's conditions, interventions and title words.

The query is built from the trial itself (its conditions and their MeSH terms, its
interventions with other names and MeSH terms, its title), each word weighted by the field it
comes from, and ranked by BM25 against the same fields of every other trial, so rarer shared
words (a drug name, "neuroendocrine") count for more than common ones ("cancer").
"""

from __future__ import annotations

import tantivy

from trialscout.model.trial import Trial
from trialscout.search.query import terms

#: How much a shared word counts, by where it appears in the trial.
_WEIGHTS = {"condition": 3.0, "intervention": 2.0, "title": 1.0}
_MAX_TERMS = 40


def related_query(trial: Trial, schema: tantivy.Schema) -> tantivy.Query | None:
    """A query for trials like ``trial`` (not including it); None when it has no words to share."""
    texts = {
        "condition": [*trial.conditions, *(m.term for m in trial.condition_mesh_terms)],
        "intervention": [
            *(name for i in trial.interventions for name in (i.name, *i.other_names)),
            *(m.term for m in trial.intervention_mesh_terms),
        ],
        "title": [trial.brief_title or ""],
    }
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for field, values in texts.items():
        words = list(dict.fromkeys(w for text in values for w in terms(text)))[:_MAX_TERMS]
        for word in words:
            query = tantivy.Query.term_query(schema, field, word)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(query, _WEIGHTS[field])))
    if not clauses:
        return None
    clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "nct_id", trial.nct_id)))
    return tantivy.Query.boolean_query(clauses)
