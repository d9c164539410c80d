"""The command-line edge: each command parses options and calls one core function."""

from __future__ import annotations

from trialscout.cli import criteria, evaluate, load, match, search, show, sync  # noqa: F401  (each module registers its commands)
from trialscout.cli.app import cli


def main() -> None:
    cli(prog_name="trialscout")


__all__ = ["cli", "main"]
