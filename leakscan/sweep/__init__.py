"""Sweeps: many repositories scanned into one datastore (targets → tasks → datastore)."""
