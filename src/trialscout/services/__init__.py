"""The use cases every edge calls: the CLI, the HTTP API and the web pages differ only in how
they render what these return.

registry   a store opened for reading, with its search index (`LocalRegistry`)
ingest     the one writer: load files or sync the live registry, then index, then parse criteria
trials     one trial: its model as JSON, its original record, its criteria, its related trials
search     search the registry
match      one patient against the registry (`match_patient`) or one trial (`check_patient`)
"""
