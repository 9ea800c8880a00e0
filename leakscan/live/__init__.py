"""Live checks: ask a credential's issuer whether it works (verify) and tell it to kill it (revoke).

recipes.py reads the `verify`/`revoke`/`parts` blocks of a rule; templates.py fills them in and
judges responses; http.py is the only module that sends a secret anywhere; sigv4.py signs AWS
requests; audit_log.py records every action; checks.py runs verify-then-revoke over findings.
"""
