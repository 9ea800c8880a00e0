"""Validators: pure checks that keep a raw match or drop it with a reason."""
