"""A full disk stops a load with one clear line, keeps the store sound, and the same command
completes once there is room (a size-limited tmpfs, mounted in a private mount namespace)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import NSCLC

SCRIPT = """
set -e
mount -t tmpfs -o size={size} tmpfs {folder}
cd {folder}
set +e
{python} -m trialscout --db {folder}/t.db load --quiet {records} > {report} 2>&1
echo "exit=$?" >> {report}
{python} -c "
from trialscout.store.sqlite import SQLiteStore
with SQLiteStore('{folder}/t.db', read_only=True) as store:
    print('count', store.count(), 'problems', store.integrity_problems())
" >> {report} 2>&1
"""


def full_disk_load(tmp_path: Path, size: str) -> str:
    folder = tmp_path / "small-disk"
    folder.mkdir()
    report = tmp_path / "report.txt"
    script = SCRIPT.format(size=size, folder=folder, python=sys.executable, records=NSCLC, report=report)
    assert shutil.which("unshare"), "the disk-full test needs unshare (util-linux)"
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return report.read_text()


def test_a_disk_too_small_for_the_store_stops_the_load_cleanly(tmp_path: Path) -> None:
    out = full_disk_load(tmp_path, "1m")
    assert "exit=1" in out and "Traceback" not in out
    assert "the disk holding" in out and "is full" in out
    assert "problems []" in out


def test_a_disk_too_small_for_the_index_keeps_the_store_and_says_so(tmp_path: Path) -> None:
    out = full_disk_load(tmp_path, "3m")
    assert "exit=1" in out and "Traceback" not in out
    assert "cannot write the search index" in out and "the disk is full" in out
    assert "count 100 problems []" in out  # every record stored before the index ran out of room
