"""The HTTP edge: trialscout's own JSON API (``/api/v1``), the ClinicalTrials.gov API v2 served
from the local store (``/api/v2``), and `/health`. Every route calls one service function and
only renders what it returns.

app        the ASGI application (`create_app`), its lifespan, /health and the access log
problems   the one error shape (RFC 9457 problem details) and what each error maps to
schemas    OpenAPI schemas for msgspec types, responses encoded by msgspec
api        trialscout's own routes
places     place-box routes: autocomplete and resolving a place
ctgov_v2   the registry's API v2, answered from the local store
serve      `trialscout serve`: uvicorn with N worker processes
"""
