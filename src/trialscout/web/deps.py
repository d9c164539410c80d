"""What a route is handed: the registry the application opened for reading."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from trialscout.services.registry import LocalRegistry


def _registry(request: Request) -> LocalRegistry:
    registry: LocalRegistry = request.app.state.registry
    return registry


#: A route's parameter of this type receives the application's `LocalRegistry`.
Registry = Annotated[LocalRegistry, Depends(_registry)]
