"""The command-line edge: each command parses options and calls one service."""

from __future__ import annotations

from trialscout.cli.app import cli


def main() -> None:
    cli(prog_name="trialscout")


__all__ = ["cli", "main"]
