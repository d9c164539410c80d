#!/usr/bin/env bash
# The README's first command: build the local store from the real records in ../shared/data
# (or, where that folder is absent, sync a starter set from the live registry), then show a trial.
set -euo pipefail
cd "$(dirname "$0")/.."

DB="${TRIALSCOUT_DB:-trialscout.db}"
DATA="${TRIALSCOUT_DATA:-../shared/data}"

if [ -d "$DATA" ]; then
  echo "Loading the ClinicalTrials.gov records under $DATA into $DB ..."
  trialscout --db "$DB" load \
    "$DATA/ctgov-api-v2-exports" \
    "$DATA/aact-fixtures" \
    "$DATA/ctgov-xml-2023-slice/ctgov_legacy_xml_6786.zip" \
    "$DATA/trec2023-xml-sample/xml" \
    "$DATA/trec-pm/bst-mug/clinicaltrials-samples"
else
  echo "$DATA is absent: syncing a starter set of recruiting lung-cancer trials from ClinicalTrials.gov ..."
  trialscout --db "$DB" sync --condition "lung cancer" --status RECRUITING --max-records 300
fi

# A sample: the most recently updated recruiting trial whose sites have coordinates.
SAMPLE=$(python - "$DB" <<'PY'
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
row = conn.execute(
    "SELECT t.nct_id FROM trials t WHERE t.overall_status = 'RECRUITING'"
    " AND EXISTS (SELECT 1 FROM sites s WHERE s.nct_id = t.nct_id AND s.latitude IS NOT NULL)"
    " ORDER BY t.last_update DESC LIMIT 1"
).fetchone() or conn.execute("SELECT nct_id FROM trials ORDER BY last_update DESC LIMIT 1").fetchone()
print(row[0] if row else "")
PY
)
if [ -n "$SAMPLE" ]; then
  echo
  trialscout --db "$DB" show "$SAMPLE"
fi

echo
echo '$ trialscout search "non-small cell lung cancer" --near Chicago --status recruiting --per-page 5'
trialscout --db "$DB" search "non-small cell lung cancer" --near Chicago --status recruiting --per-page 5

# Last, the web app on this machine only (127.0.0.1); Ctrl+C stops it.
PORT="${TRIALSCOUT_PORT:-8000}"
echo
echo "The web app: http://127.0.0.1:${PORT}/  (find a trial; a trial page: http://127.0.0.1:${PORT}/trials/${SAMPLE:-NCT02465060})"
exec trialscout --db "$DB" serve --host 127.0.0.1 --port "$PORT"
