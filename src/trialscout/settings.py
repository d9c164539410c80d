"""Every setting trialscout takes from the environment, read in one place.

| variable           | setting | default                                                  |
|--------------------|---------|----------------------------------------------------------|
| ``TRIALSCOUT_DATA``  | `data`  | ``../shared/data`` (the shared data folder)              |
| ``TRIALSCOUT_DB``    | `db`    | ``trialscout.db`` (the SQLite store)                     |
| ``TRIALSCOUT_INDEX`` | `index` | None: the folder beside the store, ``<db>.index``        |
| ``TRIALSCOUT_API``   | `api`   | the public registry, ``https://clinicaltrials.gov/api/v2`` |

`read_settings()` reads all of them at once into a frozen `Settings`; an empty variable counts
as unset. An edge reads the settings when it starts and passes the values on; an option given
explicitly (``--db``, ``--data``) wins over the setting. No other module reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

DEFAULT_DATA = Path("..") / "shared" / "data"
DEFAULT_DB = Path("trialscout.db")
#: The live registry's API v2.
DEFAULT_API = "https://clinicaltrials.gov/api/v2"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """What the environment says (each field the default when it says nothing)."""

    data: Path = DEFAULT_DATA
    db: Path = DEFAULT_DB
    #: None: the index lives beside the store (`trialscout.store.sqlite.default_index_folder`).
    index: Path | None = None
    api: str = DEFAULT_API


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in ``environ`` (default: the process environment), read once each."""
    env = os.environ if environ is None else environ
    data = env.get("TRIALSCOUT_DATA")
    db = env.get("TRIALSCOUT_DB")
    index = env.get("TRIALSCOUT_INDEX")
    api = env.get("TRIALSCOUT_API")
    return Settings(
        data=Path(data) if data else DEFAULT_DATA,
        db=Path(db) if db else DEFAULT_DB,
        index=Path(index) if index else None,
        api=api or DEFAULT_API,
    )


def export_store(db: Path, index: Path | None) -> None:
    """Set $TRIALSCOUT_DB (and $TRIALSCOUT_INDEX) in this process's environment, so that the
    worker processes `trialscout serve` starts read the store this process was given."""
    os.environ["TRIALSCOUT_DB"] = str(db.resolve())
    if index is not None:
        os.environ["TRIALSCOUT_INDEX"] = str(index.resolve())
