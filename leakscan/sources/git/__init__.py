"""Git history as a source: every blob any commit introduced, read straight from git's object store."""
