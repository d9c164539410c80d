"""`python -m trialscout` runs the command-line interface."""

from trialscout.cli import main

main()
