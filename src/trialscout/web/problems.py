"""The one error shape of trialscout's own API: RFC 9457 problem details.

    HTTP/1.1 400 Bad Request
    Content-Type: application/problem+json

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "per_page must be between 1 and 1000, not 5000",
     "errors": [{"parameter": "per_page", "message": "..."}]}

`detail` is a sentence a person can act on. A place that is not known carries ``suggestions``
("did you mean"). What maps to what:

    TrialNotFoundError                      404
    SearchInputError, GeoError, ProfileError,
    a parameter or body that fails checks   400
    a body larger than the API takes        413
    StoreError (say, no search index yet)   503, with the command that fixes it
    anything else                           500, logged with its traceback but never the request

A problem never repeats what a request body held (a patient's details): validation messages
name the field and what was expected, not the value.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from trialscout.errors import (
    GeoError,
    ProfileError,
    SearchInputError,
    StoreError,
    TrialNotFoundError,
    TrialscoutError,
    UnknownPlaceError,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("trialscout.web")


class ParameterProblem(msgspec.Struct, frozen=True, kw_only=True):
    parameter: str  # "per_page", "body.profile.sex"
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An error: its status, a short title, and what went wrong in words a person can act on."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: tuple[ParameterProblem, ...] = ()
    suggestions: tuple[str, ...] = ()  # places close to one that is not known


class ApiProblem(Exception):
    """Raised by a route to answer a problem (a bad parameter the services cannot judge)."""

    def __init__(self, status: int, detail: str, *, parameter: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter


def problem_response(
    status: int,
    detail: str,
    *,
    errors: tuple[ParameterProblem, ...] = (),
    suggestions: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    problem = Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, errors=errors, suggestions=suggestions
    )
    return Response(
        msgspec.json.encode(problem), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = tuple(
        ParameterProblem(parameter=_location(e.get("loc", ())), message=str(e.get("msg", "is not valid")))
        for e in exc.errors()
    )
    detail = "; ".join(f"{e.parameter}: {e.message}" for e in errors) or "the request is not valid"
    return problem_response(400, detail, errors=errors)


def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    errors = (ParameterProblem(parameter=exc.parameter, message=exc.detail),) if exc.parameter else ()
    return problem_response(exc.status, exc.detail, errors=errors)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"there is nothing at {request.url.path}; see /docs for the routes"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs for the routes"
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TrialscoutError)
    if isinstance(exc, TrialNotFoundError):
        return problem_response(404, f"{exc}; load a file that holds it or sync it from the registry")
    if isinstance(exc, UnknownPlaceError):
        return problem_response(400, str(exc), suggestions=exc.suggestions)
    if isinstance(exc, SearchInputError | GeoError | ProfileError):
        return problem_response(400, str(exc))
    if isinstance(exc, StoreError):
        retry = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else None
        return problem_response(503, f"{exc}", headers=retry)
    return problem_response(400, str(exc))


def _unexpected(request: Request, exc: Exception) -> Response:
    # The traceback, for whoever runs the server; never the request's query or body.
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "trialscout failed on this request; the error is logged on the server")


def install_problems(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(TrialscoutError, _domain)
    app.add_exception_handler(Exception, _unexpected)
