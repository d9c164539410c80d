"""The exceptions trialscout raises, one tree.

TrialscoutError                 anything this package raises on purpose
├── RecordError                 one source record cannot become a Trial (reported, skipped)
│   └── UnsupportedFormatError  a file or payload in a format trialscout does not read
├── StoreError                  the local store cannot be opened or used
│   └── TrialNotFoundError      an NCT ID the store does not hold
└── RegistryError               the live ClinicalTrials.gov API failed after retries
    └── RegistryResponseError   the API answered, but not with what the API v2 promises

The core raises these; the CLI turns each into one line with the next step and a non-zero exit.
Text inside a record (eligibility criteria, dates, ages) never raises: what cannot be parsed
becomes an explicit unknown value.
"""

from __future__ import annotations


class TrialscoutError(Exception):
    """Base of every error trialscout raises on purpose."""


class RecordError(TrialscoutError):
    """A source record that cannot be read as a trial; the load reports it and goes on."""


class UnsupportedFormatError(RecordError):
    """A file or payload in a format trialscout does not read (for example the classic API)."""


class StoreError(TrialscoutError):
    """The local store cannot be opened, migrated or written."""


class TrialNotFoundError(StoreError):
    """The store holds no trial with this NCT ID."""

    def __init__(self, nct_id: str) -> None:
        super().__init__(f"{nct_id} is not in the local store")
        self.nct_id = nct_id


class RegistryError(TrialscoutError):
    """The live registry could not be reached or kept failing after retries."""


class RegistryResponseError(RegistryError):
    """The registry answered with something that is not an API v2 response."""
