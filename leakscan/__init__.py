"""leakscan: find leaked API keys and tokens in files and git history."""

__version__ = "0.1.0"
