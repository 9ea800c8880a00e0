"""`python -m leakscan`."""

from leakscan.cli import main

main()
