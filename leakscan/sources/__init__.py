"""What to scan: each source yields items (and what it had to skip or could not read)."""
