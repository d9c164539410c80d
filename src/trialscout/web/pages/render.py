"""HTML rendering for the web pages: one Jinja2 environment, the page headers, and the filters
the templates share.

Every page is rendered on the server from the same service results the API sends as JSON, and
names that JSON as its twin (``<link rel="alternate" type="application/json">``). Pages load
only trialscout's own files: the Content-Security-Policy allows scripts, styles, images and
requests from this server alone, no inline script and no third-party host, so a page works
offline and tells no one what was searched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from trialscout.model.enums import Phase
from trialscout.model.labels import label, phases_label

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    # A page may hold what a patient typed ("Do I qualify?", a pasted note): never cached.
    "Cache-Control": "no-store",
}


def _phases(values: Iterable[str]) -> str:
    phases = []
    for value in values:
        try:
            phases.append(Phase(value))
        except ValueError:
            continue
    return phases_label(tuple(phases)) if phases else ""


def query_string(params: Mapping[str, object], **changes: object) -> str:
    """``params`` with ``changes`` applied, as a query string: lists repeat their key, empty
    values are left out (a bookmarked search holds exactly what was asked)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(key, str(v)) for v in values if v not in (None, "", False)]
    return urlencode(pairs)


ENV = Environment(
    loader=PackageLoader("trialscout.web", "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["label"] = lambda value, missing="not stated": label(value, missing)
ENV.filters["phases"] = _phases
ENV.filters["thousands"] = lambda n: f"{n:,}"
ENV.globals["query_string"] = query_string


def render(template: str, status: int = 200, **context: object) -> HTMLResponse:
    """The page `template` filled with `context`, with the page headers."""
    body = ENV.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=dict(PAGE_HEADERS))
