"""Plain language for criteria: a sentence a patient understands, and who a trial is for.

- `plain_sentences(criteria)` / `plain_sentence(criterion)`: one short sentence per criterion,
  faithful to the registry's words (`sentences`);
- `lay_summary(trial, criteria)`: who the trial is for, in one or two sentences (`summary`);
- `said_rules(criterion)`: the typed rules a criterion's sentence is spoken from;
- `strip_explanations(sentence)`: a sentence without the glossary's brackets (`text`).

The modules, lowest first: `text` (tidying, glossary) and `voice` (first and second person);
`predicates`, `numbers`, `frames` and `words` (frames of the words); `clauses` (sentences,
exceptions, allowances); `rules` (sentences from typed rules); `sentences` (a criterion's
sentence); `summary` (the lay summary).
"""

from trialscout.eligibility.plain.rules import said_rules
from trialscout.eligibility.plain.sentences import plain_sentence, plain_sentences
from trialscout.eligibility.plain.summary import lay_summary
from trialscout.eligibility.plain.text import strip_explanations

__all__ = ["lay_summary", "plain_sentence", "plain_sentences", "said_rules", "strip_explanations"]
