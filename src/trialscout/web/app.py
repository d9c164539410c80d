"""The ASGI application: trialscout's API over one store, opened read-only.

    app = create_app("registry.db")         # or app_from_settings(), for uvicorn --factory

Each worker process builds its own application and opens the store and its search index itself,
read-only, when it starts (the index and its concept graph are loaded then, so the first
request is not the slow one). Nothing here writes: loads and syncs are the writer's job.

The access log names the method, the path, the status and the time, never the query string or
the body: a patient's details travel only in request bodies (match, check) and are never logged,
stored or sent anywhere.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trialscout.errors import StoreError
from trialscout.services.places import complete_places
from trialscout.services.registry import LocalRegistry, open_registry
from trialscout.services.status import RegistryStatus, registry_status
from trialscout.settings import read_settings
from trialscout.web.deps import Registry
from trialscout.web.problems import install_problems
from trialscout.web.schemas import install_openapi, json_response, returns

access_log = logging.getLogger("trialscout.access")

#: How long /health reuses its answer (a load balancer may ask every second).
HEALTH_CACHE_S = 5.0


class AccessLog:
    """One line per request: client, method, path (never the query string), status, time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    '%s "%s %s" %d %.1f ms',
                    client[0] if client else "-",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                )


def create_app(db: str | Path, *, index_folder: str | Path | None = None) -> FastAPI:
    """The API over the store at ``db`` (raises `StoreError` when there is none)."""
    registry = open_registry(db, index_folder=index_folder)
    return _application(registry)


def app_from_settings() -> FastAPI:
    """The API over the store the settings name ($TRIALSCOUT_DB, $TRIALSCOUT_INDEX): what each
    `trialscout serve` worker runs."""
    settings = read_settings()
    return create_app(settings.db, index_folder=settings.index)


def _application(registry: LocalRegistry) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Open the index and its concept graph now; with no index yet, /health says so and the
        # searching routes answer 503.
        with contextlib.suppress(StoreError):
            registry.search.index.concepts  # noqa: B018
        complete_places(registry, "a")  # the place box's tables, built once (about 3 s)
        yield
        registry.close()

    app = FastAPI(
        title="trialscout",
        version=version("trialscout"),
        description=(
            "The ClinicalTrials.gov registry on your machine: search, trials, their criteria, "
            "matching a patient. `/api/v1` is trialscout's own API; `/api/v2` answers like the "
            "registry's API v2, from the local store. Patient details go in request bodies only "
            "and are never logged or stored."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.registry = registry
    install_problems(app)
    install_openapi(app)
    _docs(app)
    app.add_api_route(
        "/health",
        _health,
        methods=["GET"],
        summary="Which store, how many trials, how fresh, and whether the index is current",
        **returns(RegistryStatus),
    )
    from trialscout.web import api, compare_feeds, ctgov_v2, pages, patient_page, places, qualify

    app.mount("/static", StaticFiles(packages=[("trialscout.web", "static")]), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(places.router)
    app.include_router(compare_feeds.router)
    app.include_router(qualify.router)
    app.include_router(patient_page.router)
    app.include_router(ctgov_v2.router)
    app.add_middleware(AccessLog)
    return app


def _health(registry: Registry) -> Response:
    return json_response(_status(registry))


#: Cached briefly per process: counting the criteria due reads the whole store.
_cache: dict[int, tuple[float, RegistryStatus]] = {}


def _status(registry: LocalRegistry) -> RegistryStatus:
    key = id(registry)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < HEALTH_CACHE_S:
        return cached[1]
    status = registry_status(registry)
    _cache[key] = (now, status)
    return status


def _docs(app: FastAPI) -> None:
    """The interactive docs page, with Swagger UI's files served from here (no CDN)."""
    # Swagger UI 5 (swagger-ui-py's files): version 4 cannot read the OpenAPI 3.1 FastAPI writes
    swagger = Path(str(files("swagger_ui") / "static"))
    app.mount("/docs/static", StaticFiles(directory=swagger), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="trialscout API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )
