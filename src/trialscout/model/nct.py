"""NCT identifiers: 'NCT' and eight digits."""

from __future__ import annotations

import re

_NCT = re.compile(r"^NCT\d{8}$")
_LOOSE = re.compile(r"^\s*nct\s*[-_ ]?\s*(\d{1,8})\s*$", re.IGNORECASE)


def is_nct_id(text: str) -> bool:
    return bool(_NCT.match(text))


def normalise_nct_id(text: str) -> str | None:
    """'nct 6937905' or ' NCT06937905 ' -> 'NCT06937905'; None if it is not an NCT ID."""
    match = _LOOSE.match(text)
    if not match:
        return None
    return f"NCT{int(match.group(1)):08d}"


def nct_key(nct_id: str) -> int:
    """The number of an NCT ID ('NCT06937905' -> 6937905): a stable whole-number key for a trial
    that any store and index agree on."""
    return int(nct_id[3:])


def nct_from_key(key: int) -> str:
    """The NCT ID of a key made by `nct_key`."""
    return f"NCT{key:08d}"
