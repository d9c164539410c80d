"""Schemathesis runs the API's own OpenAPI document against it: requests generated from each
route's schema (valid ones and deliberately invalid ones) must never get a 5xx, and every
response must match the status codes, media types and schemas the document declares.

One check is left out: ``positive_data_acceptance`` expects every schema-valid request to be
accepted, but a place name or a status can fit the schema (any text) and still name nothing
trialscout knows; that answer is a 400 with a message, by design.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from trialscout.store.load import LoadReport
from trialscout.web.app import create_app


@pytest.fixture(scope="module")
def app(full_load: tuple[Path, LoadReport]) -> Iterator[FastAPI]:
    db, _ = full_load
    application = create_app(db)
    with TestClient(application):  # runs the lifespan: the index is opened as a server opens it
        yield application


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _check(operation: Any) -> None:
    @given(operation.as_strategy())
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    run()


#: The routes in groups, so that the parallel test workers share them out.
GROUPS: dict[str, Callable[[str], bool]] = {
    "trialscout": lambda path: (
        path.startswith("/api/v1") and "/places" not in path and not path.endswith("/sites")
    ),
    "places and sites": lambda path: "/places" in path or path.endswith("/sites") or path == "/health",
    "registry API v2": lambda path: path.startswith("/api/v2"),
}


@pytest.mark.parametrize("group", GROUPS)
def test_no_route_answers_5xx_or_off_its_schema(api_schema: Any, group: str) -> None:
    operations = [r.ok() for r in api_schema.get_all_operations()]
    chosen = [op for op in operations if GROUPS[group](op.path)]
    assert chosen, f"no {group} routes in the OpenAPI document"
    failures = []
    for operation in chosen:
        try:
            _check(operation)
        except Exception as failure:  # noqa: BLE001 - every route is tried, then all failures shown
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert not failures, "\n\n".join(failures)
