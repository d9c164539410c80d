"""Every setting trialscout takes from the environment, read in one place.

| variable           | setting | default                                                  |
|--------------------|---------|----------------------------------------------------------|
| ``TRIALSCOUT_DATA``  | `data`  | ``../shared/data`` (the shared data folder)              |
| ``TRIALSCOUT_DB``    | `db`    | ``trialscout.db`` (the SQLite store); a ``postgresql://``  |
|                    |         | URL names a PostgreSQL store                             |
| ``TRIALSCOUT_INDEX`` | `index` | None: beside a SQLite store, ``<db>.index``; for          |
|                    |         | PostgreSQL ``~/.local/share/trialscout/indexes/<id>``    |
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


def is_postgres_url(location: str | Path) -> bool:
    """Whether a store location names a PostgreSQL database (``postgresql://``, ``postgres://``)."""
    return str(location).startswith(("postgresql://", "postgres://"))


def store_location(value: str | Path) -> str | Path:
    """A store location as typed (``--db``, ``$TRIALSCOUT_DB``): a PostgreSQL URL stays the text
    it is (a `Path` would make ``postgresql://h/db`` ``postgresql:/h/db``); anything else is a
    file path."""
    return str(value) if is_postgres_url(value) else Path(value)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """What the environment says (each field the default when it says nothing)."""

    data: Path = DEFAULT_DATA
    #: A SQLite file, or a PostgreSQL URL (`store_location`).
    db: str | Path = DEFAULT_DB
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
        db=store_location(db) if db else DEFAULT_DB,
        index=Path(index) if index else None,
        api=api or DEFAULT_API,
    )


def export_store(db: str | Path, index: Path | None) -> None:
    """Set $TRIALSCOUT_DB (and $TRIALSCOUT_INDEX) in this process's environment, so that the
    worker processes `trialscout serve` starts read the store this process was given."""
    os.environ["TRIALSCOUT_DB"] = db if isinstance(db, str) else str(db.resolve())
    if index is not None:
        os.environ["TRIALSCOUT_INDEX"] = str(index.resolve())
