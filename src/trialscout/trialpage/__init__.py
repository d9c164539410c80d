"""The patient layer of a trial page: what a patient looks for first, derived from the registry
record, each fact with its provenance (the registry fields and the rule it came from), and
never shown where the record does not support it. Pure functions of a `Trial` (and, where
stated, of a date or of facts a service looks up in the store); no I/O.

provenance  `Evidence` (a registry field and its words) and `Derived` (a rule and its evidence)
title       a lay title from the experimental arm's interventions, the condition and the acronym
badges      placebo group, randomized, blinded, pivotal, prior safety data, healthy volunteers,
            results posted; each with its rule and the record's words
design      allocation, masking, control and arms in plain words; doses quoted; drug classes
team        the research team exactly as registered
sponsor     the sponsor box: trials and people in this store, counting real enrollment figures only
spots       "about N spots left by <month>": a stated estimator, its inputs and its range
            (staleness, graded against the registry copy's date: trialscout.model.recruitment)
results     "results posted" or pending; primary outcomes, participant flow, serious adverse events
money       payment, travel help or costs, only as the record states them, quoted
explainers  one line under each section heading of the trial page

`trialscout.services.trial_page.patient_page` assembles them for one trial.
"""
