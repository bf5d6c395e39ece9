"""The rule engine: `evaluate(as_of)` says what is due, `apply(as_of, dry_run=False)` does it.

See `definitions` for the rules (and their numbers, from each enrollment's policy version) and `engine`
for how a run stays idempotent, safe with two workers, set-based and audited.
"""

from .definitions import RULES, RULES_BY_NAME, RuleInfo
from .engine import Decision, Summary, apply, evaluate, year_end_checks_evaluate

__all__ = [
    "RULES",
    "RULES_BY_NAME",
    "Decision",
    "RuleInfo",
    "Summary",
    "apply",
    "evaluate",
    "year_end_checks_evaluate",
]
