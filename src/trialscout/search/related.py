"""Related trials: those that share a trial's conditions, interventions and title words.

The query is built from the trial itself (its conditions and their MeSH terms, its
interventions with other names and MeSH terms, its title), each word weighted by the field it
comes from, and ranked by BM25 against the same fields of every other trial, so rarer shared
words (a drug name, "neuroendocrine") count for more than common ones ("cancer").

As Lucene's "more like this" does, only the most telling words are asked for: words in more
than one trial in twenty say little about likeness and are left out, and of the rest the 25
that weigh most (field weight x inverse document frequency). At 404,600 trials this makes the
query five times faster (0.9 ms against 4.4 ms) with the same top five related trials for 60
trials of 60 drawn at random (docs/benchmarks/api.md).
"""

from __future__ import annotations

import math

import tantivy

from trialscout.model.trial import Trial
from trialscout.search.query import terms

#: How much a shared word counts, by where it appears in the trial.
_WEIGHTS = {"condition": 3.0, "intervention": 2.0, "title": 1.0}
#: The most words a related query asks for, and the largest share of trials a word may be in.
MAX_QUERY_TERMS = 25
MAX_DOC_SHARE = 0.05


def related_query(trial: Trial, schema: tantivy.Schema, searcher: tantivy.Searcher) -> tantivy.Query | None:
    """A query for trials like ``trial`` (not including it); None when it has no words to share."""
    texts = {
        "condition": [*trial.conditions, *(m.term for m in trial.condition_mesh_terms)],
        "intervention": [
            *(name for i in trial.interventions for name in (i.name, *i.other_names)),
            *(m.term for m in trial.intervention_mesh_terms),
        ],
        "title": [trial.brief_title or ""],
    }
    total = max(1, searcher.num_docs)
    weighed: list[tuple[float, str, str]] = []
    for field, values in texts.items():
        for word in dict.fromkeys(w for text in values for w in terms(text)):
            found = searcher.doc_freq(field, word)
            if 0 < found <= max(1.0, MAX_DOC_SHARE * total):
                weighed.append((_WEIGHTS[field] * math.log(1 + total / found), field, word))
    weighed.sort(key=lambda w: (-w[0], w[1], w[2]))
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
        (
            tantivy.Occur.Should,
            tantivy.Query.boost_query(tantivy.Query.term_query(schema, field, word), _WEIGHTS[field]),
        )
        for _, field, word in weighed[:MAX_QUERY_TERMS]
    ]
    if not clauses:
        return None
    clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "nct_id", trial.nct_id)))
    return tantivy.Query.boolean_query(clauses)
