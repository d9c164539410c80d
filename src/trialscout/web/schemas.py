"""OpenAPI for routes that return msgspec types, and their responses encoded by msgspec.

The service layer speaks msgspec structs; FastAPI documents pydantic models. Rather than keep a
second, pydantic copy of every type, a route declares what it returns with `returns` (and what
it takes with `takes`); the OpenAPI document then carries the JSON Schema that msgspec itself
derives from the struct (`msgspec.json.schema_components`), so the schema and the encoder can
never disagree. `json_response` encodes with msgspec (several times faster than FastAPI's
``jsonable_encoder`` on large results).

Every route also documents the errors it may answer (`trialscout.web.problems.Problem`), and
FastAPI's own 422 is replaced by the 400 this API answers for a bad parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi

from trialscout.web.problems import PROBLEM_MEDIA_TYPE, Problem

_MARK = "x-trialscout-type"
_TYPES: dict[str, Any] = {}
_COMPONENTS = "#/components/schemas/{name}"


def _placeholder(tp: Any) -> dict[str, str]:
    key = repr(tp)
    _TYPES[key] = tp
    return {_MARK: key}


def json_response(
    value: object, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``value`` (msgspec structs, dicts, lists) as a JSON response."""
    return Response(
        msgspec.json.encode(value), status_code=status_code, media_type="application/json", headers=headers
    )


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _placeholder(Problem)}}}


#: The errors every route may answer.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem("A parameter or body that cannot be used: the message says which and why.")
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem("The store holds no trial with this NCT ID.")}
TOO_LARGE: dict[int | str, dict[str, Any]] = {413: problem("The body is larger than the API takes.")}


def returns(
    tp: Any,
    description: str = "OK",
    *,
    errors: dict[int | str, dict[str, Any]] | None = None,
    media_type: str = "application/json",
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: its 200 response is ``tp`` (any type msgspec
    can describe), plus the errors it may answer."""
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": description, "content": {media_type: {"schema": _placeholder(tp)}}}
    }
    responses.update(COMMON_ERRORS)
    responses.update(errors or {})
    return {"responses": responses, "response_class": Response}


def takes(tp: Any, description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is ``tp`` (read by the route itself)."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": _placeholder(tp)}},
        }
    }


def _substitute(node: Any, refs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if _MARK in node:
            return refs[node[_MARK]]
        return {k: _substitute(v, refs) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, refs) for v in node]
    return node


def _without_422(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def install_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Make ``app.openapi()`` carry msgspec's schemas for the types routes declared."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        keys = sorted(_TYPES)
        schemas, components = msgspec.json.schema_components(
            [_TYPES[k] for k in keys], ref_template=_COMPONENTS
        )
        document = _substitute(document, dict(zip(keys, schemas, strict=True)))
        _without_422(document)
        document.setdefault("components", {}).setdefault("schemas", {}).update(components)
        app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return openapi
