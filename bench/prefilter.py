"""Does Hyperscan's prefilter really cover every rule? Checked on real text, rule by rule.

The two engines give identical findings only if, for every item where a rule's `regex` pattern
matches, Hyperscan (the pattern compiled as db_cache compiles it: prefilter mode, wide repeats
opened) reports that rule too. Hyperscan's prefilter is meant to be a superset, but it is not
always: small bounded repeats (`\\s{0,8}`) and some alternations lost matches here. This script
finds such rules on real text and prints one example of each.

    python bench/prefilter.py                 # all rules over ~300 MB (stdlib, site-packages)
    python bench/prefilter.py --smoke         # generic and credential-file rules over ~5 MB
    python bench/prefilter.py /tmp/git-tree --megabytes 60
"""

from __future__ import annotations

import argparse
import sys
import sysconfig

from engine import collect_text
from leakscan.matcher.db_cache import widen_repeats
from leakscan.rules import Rule, load_rules


def misses(rule: Rule, items: list[bytes]) -> tuple[int, int, bytes]:
    """Items the rule's regex matches, how many of those Hyperscan does not flag, and one of them."""
    import hyperscan
    import regex

    pattern = regex.compile(rule.pattern.encode())
    database = hyperscan.Database()
    database.compile(
        expressions=[widen_repeats(rule.pattern).encode()],
        ids=[0],
        elements=1,
        flags=[hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER],
    )
    scratch = hyperscan.Scratch(database)
    flagged: list[int] = []
    matched = missed = 0
    example = b""
    for item in items:
        m = pattern.search(item)
        if m is None:
            continue
        matched += 1
        flagged.clear()
        database.scan(item, match_event_handler=lambda *_: flagged.append(1), scratch=scratch)
        if not flagged:
            missed += 1
            example = example or item[max(0, m.start() - 40) : m.end() + 10]
    return matched, missed, example


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*")
    parser.add_argument("--megabytes", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="generic rules over ~5 MB")
    args = parser.parse_args()
    paths = sysconfig.get_paths()
    megabytes = 5 if args.smoke else args.megabytes
    items = collect_text(args.roots or [paths["stdlib"], paths["purelib"]], megabytes * 1_000_000)
    rules = [r for r in load_rules().rules if not args.smoke or r.provider in ("generic", "credential-files")]
    print(f"{len(rules)} rules over {sum(map(len, items)) / 1e6:.0f} MB of real text", flush=True)
    bad = 0
    for rule in rules:
        matched, missed, example = misses(rule, items)
        if missed:
            bad += 1
            print(f"{rule.id}: Hyperscan missed {missed} of {matched} items, e.g. {example!r}", flush=True)
    print(f"{bad} rules whose prefilter missed a match")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
