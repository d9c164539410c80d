"""The exceptions trialscout raises, one tree.

TrialscoutError                 anything this package raises on purpose
├── RecordError                 one source record cannot become a Trial (reported, skipped)
│   └── UnsupportedFormatError  a file or payload in a format trialscout does not read
├── StoreError                  the local store cannot be opened or used
│   └── TrialNotFoundError      an NCT ID the store does not hold
├── RegistryError               the live ClinicalTrials.gov API failed after retries
│   └── RegistryResponseError   the API answered, but not with what the API v2 promises
├── SearchInputError            a search filter value that cannot be used (an age of 300, ...)
├── ProfileError                a patient profile document that cannot be read at all (not JSON,
│                               not a FHIR Bundle or Patient); its bad parts are skipped instead
├── BenchmarkInputError         a benchmark's patients, judgments or trial corpus cannot be read
└── GeoError                    a place or distance typed by a person cannot be used
    ├── UnknownPlaceError       no place, ZIP code or coordinates match the text (.suggestions)
    └── InvalidRadiusError      a search radius that is not a positive distance ("50 mi", "80 km")

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
    """The local store cannot be opened, migrated or written.

    ``retry_after_s``: where the cause passes by itself (a busy store, a database server that
    is restarting), about how long to wait before trying again; the API sends it as
    ``Retry-After``. None where only an operator can fix it (a damaged store, a full disk)."""

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


#: A store that is busy (SQLite's writer lock, a PostgreSQL lock) frees in about a second.
BUSY_RETRY_S = 1
#: A database server that cannot be reached is usually restarting: seconds, not minutes.
UNREACHABLE_RETRY_S = 5
#: A failure of no known kind: try again later.
UNKNOWN_RETRY_S = 30


class TrialNotFoundError(StoreError):
    """The store holds no trial with this NCT ID."""

    def __init__(self, nct_id: str) -> None:
        super().__init__(f"{nct_id} is not in the local store")
        self.nct_id = nct_id


class RegistryError(TrialscoutError):
    """The live registry could not be reached or kept failing after retries."""


class RegistryResponseError(RegistryError):
    """The registry answered with something that is not an API v2 response."""


class GeoError(TrialscoutError):
    """A place or a distance that a person typed cannot be used for a search near them."""


class UnknownPlaceError(GeoError):
    """No place, US ZIP code or coordinates match the text; ``suggestions`` names close matches.

    The message names the text and, when there are any, up to five close matches
    ("Did you mean: Palo Alto, California, US; ...").
    """

    def __init__(self, place: str, reason: str, suggestions: tuple[str, ...] = ()) -> None:
        message = reason
        if suggestions:
            message = f"{reason}. Did you mean: {'; '.join(suggestions)}?"
        super().__init__(message)
        self.place = place
        self.suggestions = suggestions


class InvalidRadiusError(GeoError):
    """A search radius that is not a positive distance such as "50 mi" or "80 km"."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(reason)
        self.text = text


class SearchInputError(TrialscoutError):
    """A search request with a value that cannot be used; the message says which and why."""


class BenchmarkInputError(TrialscoutError):
    """A benchmark file that is missing or malformed, or a corpus path in no format trialscout
    reads; the message names the file (and line) and what was expected there."""


class ProfileError(TrialscoutError):
    """A patient profile document that cannot be read at all: not JSON, or not a FHIR Bundle or
    Patient. The message names what was expected, never a value from the document."""
