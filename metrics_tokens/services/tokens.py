"""The token ledger: grants, consumption, refunds, expiry and staff adjustments.

The balance is never stored: it is the sum of a clinician's ledger entries. Every movement that spends
or must not overdraw locks the clinician's TokenAccount row first, so the read-the-balance-then-append
sequence cannot interleave with another request for the same clinician.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.db.models.functions import Coalesce, Greatest

from accounts.errors import DomainError
from accounts.services import audit_record
from enrollment.models import Enrollment, PhaseRule
from enrollment.selectors import enrolled_enrollment

from ..models import LedgerKind, MetricReport, TokenAccount, TokenLedgerEntry


class NoAccess(DomainError):
    code = "no_access"


class NoBalance(DomainError):
    code = "no_balance"


def _actor_label(actor: Any) -> str:
    return actor.email if getattr(actor, "is_authenticated", False) else "system"


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def account_for(participant: Any) -> TokenAccount:
    account, _ = TokenAccount.objects.get_or_create(participant=participant)
    return account


def _lock_account(account_id: int) -> None:
    """Race prevented: two requests for the same clinician both reading a balance of 1 and both
    spending it. The row lock makes the second wait until the first has committed its entry."""
    list(TokenAccount.objects.select_for_update().filter(pk=account_id).values_list("pk", flat=True))


def balance_of(account_id: int) -> int:
    return TokenLedgerEntry.objects.filter(account_id=account_id).aggregate(total=Coalesce(Sum("amount"), 0))[
        "total"
    ]


def _append(
    *,
    account: TokenAccount,
    kind: str,
    amount: int,
    reason: str,
    actor: Any,
    enrollment: Enrollment | None = None,
    report: MetricReport | None = None,
    refund_of: TokenLedgerEntry | None = None,
    dedupe_key: str | None = None,
) -> TokenLedgerEntry:
    return TokenLedgerEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        reason=reason[:500],
        actor=_actor(actor),
        actor_label=_actor_label(actor),
        enrollment=enrollment,
        report=report,
        refund_of=refund_of,
        dedupe_key=dedupe_key,
    )


def _append_once(dedupe_key: str, **fields: Any) -> TokenLedgerEntry | None:
    """Append unless an entry with this key exists (a retried job, a hook run twice)."""
    if TokenLedgerEntry.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            return _append(dedupe_key=dedupe_key, **fields)
    except IntegrityError:  # a concurrent run appended it between our check and our insert
        return None


def tokens_needed(enrollment: Enrollment) -> bool:
    """Tokens are spent only where the phase does not make them unlimited (Maintenance, Re-Certification)."""
    return not enrollment.rule.tokens_unlimited


@transaction.atomic
def tokens_grant_for_year(enrollment: Enrollment, *, actor: Any = None) -> TokenLedgerEntry | None:
    """The policy's tokens for one Maintenance or Re-Certification year, granted once when it starts.
    Nothing for unlimited phases: unlimited is a flag, not a large grant."""
    rule = enrollment.rule
    if rule.tokens_unlimited or rule.tokens_per_year <= 0:
        return None
    account = account_for(enrollment.participant)
    _lock_account(account.pk)
    return _append_once(
        f"year-grant:{enrollment.pk}",
        account=account,
        kind=LedgerKind.GRANT,
        amount=rule.tokens_per_year,
        reason=f"{enrollment.get_phase_display()} year {enrollment.year_number}: "
        f"{rule.tokens_per_year} tokens ({enrollment.policy.name} policy)",
        actor=actor,
        enrollment=enrollment,
    )


def on_enrollment_started(enrollment: Enrollment) -> None:
    """ENROLLMENT_STARTED hook (registered in apps.py): the year's grant."""
    tokens_grant_for_year(enrollment)


def tokens_consume_for_report(
    *, report: MetricReport, actor: Any, account: TokenAccount | None = None
) -> TokenLedgerEntry:
    """Spend one token for `report`. Call inside the transaction that created the report; the account
    must already be locked by the caller (report_record does it before checking the balance)."""
    account = account or account_for(report.participant)
    return _append(
        account=account,
        kind=LedgerKind.CONSUME,
        amount=-1,
        reason=f"{report.get_report_type_display()} report of {report.report_date:%Y-%m-%d}",
        actor=actor,
        enrollment=report.enrollment,
        report=report,
        dedupe_key=f"consume:{report.pk}",
    )


def lock_and_check_balance(participant: Any) -> tuple[TokenAccount, int]:
    """Lock the clinician's account and answer it with the balance; refuse when nothing is left."""
    account = account_for(participant)
    _lock_account(account.pk)
    balance = balance_of(account.pk)
    if balance < 1:
        raise NoBalance(
            f"{participant} has no metric tokens left for this year (balance {balance}). "
            "Staff can grant more."
        )
    return account, balance


@transaction.atomic
def tokens_adjust(
    *,
    actor: Any,
    participant: Any,
    amount: int,
    reason: str,
    kind: str = LedgerKind.ADJUSTMENT,
    enrollment: Enrollment | None = None,
) -> TokenLedgerEntry:
    """A staff grant (positive) or adjustment (either sign), always with a reason. An adjustment may
    not take the balance below zero. It belongs to the clinician's enrolled enrollment unless told
    otherwise, so it expires with that year's tokens."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in (LedgerKind.GRANT, LedgerKind.ADJUSTMENT):
        errors["kind"] = ["Staff may only grant or adjust."]
    if not reason:
        errors["reason"] = ["Give a reason: it is kept in the ledger for good."]
    if not isinstance(amount, int) or amount == 0:
        errors["amount"] = ["The amount must be a whole number other than zero."]
    elif kind == LedgerKind.GRANT and amount < 0:
        errors["amount"] = ["A grant adds tokens; use an adjustment to remove some."]
    elif abs(amount) > 1000:
        errors["amount"] = ["At most 1000 tokens at once."]
    if errors:
        raise ValidationError(errors)
    if enrollment is None:
        enrollment = enrolled_enrollment(participant)
    account = account_for(participant)
    _lock_account(account.pk)
    balance = balance_of(account.pk)
    if balance + amount < 0:
        raise ValidationError({"amount": [f"The balance is {balance}; it cannot go below zero."]})
    entry = _append(
        account=account, kind=kind, amount=amount, reason=reason, actor=actor, enrollment=enrollment
    )
    audit_record(
        actor=actor,
        action=f"tokens.{kind}",
        target=entry,
        reason=reason,
        changes={"amount": amount, "balance": [balance, balance + amount]},
        subject_user=participant,
    )
    return entry


@transaction.atomic
def tokens_refund(*, actor: Any, entry: TokenLedgerEntry, reason: str) -> TokenLedgerEntry:
    """Give back the token a consumption took (a report recorded by mistake). Once per consumption."""
    if entry.kind != LedgerKind.CONSUME:
        raise DomainError("Only a consumption can be refunded.", code="invalid")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give a reason for the refund."]})
    _lock_account(entry.account_id)
    refund = _append_once(
        f"refund:{entry.pk}",
        account=entry.account,
        kind=LedgerKind.REFUND,
        amount=-entry.amount,
        reason=reason.strip(),
        actor=actor,
        enrollment=entry.enrollment,
        report=entry.report,
        refund_of=entry,
    )
    if refund is None:
        raise DomainError("This consumption was refunded already.", code="conflict")
    audit_record(actor=actor, action="tokens.refund", target=refund, reason=reason.strip())
    return refund


def _year_ended(enrollment: Enrollment, as_of: date) -> bool:
    return as_of >= enrollment.current_end


@transaction.atomic
def tokens_expire_for_year(*, enrollment: Enrollment, as_of: date) -> int:
    """At the end of a Maintenance or Re-Certification year, unused tokens of that year expire when the
    policy says so. Answers how many expired now (0 when not due, nothing left, or done before)."""
    if not enrollment.policy.tokens_expire_at_year_end or not tokens_needed(enrollment):
        return 0
    if not _year_ended(enrollment, as_of):
        return 0
    account = account_for(enrollment.participant)
    _lock_account(account.pk)
    left_from_year = TokenLedgerEntry.objects.filter(enrollment=enrollment).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]
    # Never below zero, even if the next year's tokens were spent before this job ran.
    amount = min(left_from_year, balance_of(account.pk))
    if amount <= 0:
        return 0
    entry = _append_once(
        f"expire:{enrollment.pk}",
        account=account,
        kind=LedgerKind.EXPIRE,
        amount=-amount,
        reason=f"Unused tokens of {enrollment.get_phase_display()} year {enrollment.year_number} "
        f"expired at the year's end ({enrollment.current_end:%Y-%m-%d})",
        actor=None,
        enrollment=enrollment,
    )
    return amount if entry is not None else 0


def _due_for_expiry(as_of: date) -> Any:
    limited = PhaseRule.objects.filter(
        policy=OuterRef("policy"), phase=OuterRef("phase"), tokens_unlimited=False
    )
    expired = TokenLedgerEntry.objects.filter(enrollment=OuterRef("pk"), kind=LedgerKind.EXPIRE)
    return (
        Enrollment.objects.filter(policy__tokens_expire_at_year_end=True, token_entries__isnull=False)
        .alias(
            ends=Greatest(
                F("term_end"),
                Coalesce(F("extension_end"), F("term_end")),
                Coalesce(F("paid_through"), F("term_end")),
            )
        )
        .filter(Exists(limited), ~Exists(expired), ends__lte=as_of)
        .annotate(left=Sum("token_entries__amount"))
        .filter(left__gt=0)
    )


@transaction.atomic
def tokens_expire_due(*, as_of: date) -> int:
    """Expire, in bulk, the unused tokens of every year that ended on or before `as_of`. Safe to run
    twice or on two workers (the accounts are locked and each expiry has a unique key). Answers how
    many tokens expired."""
    due = list(_due_for_expiry(as_of).values_list("pk", "participant_id", "left", "phase", "year_number"))
    if not due:
        return 0
    participant_ids = sorted({row[1] for row in due})
    accounts = {
        a.participant_id: a
        for a in TokenAccount.objects.select_for_update()
        .filter(participant_id__in=participant_ids)
        .order_by("pk")
    }
    # Recompute under the locks: another worker may have expired some meanwhile.
    left = dict(_due_for_expiry(as_of).filter(pk__in=[row[0] for row in due]).values_list("pk", "left"))
    balances = dict(
        TokenLedgerEntry.objects.filter(account__in=accounts.values())
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    entries = []
    for pk, participant_id, _, phase, year_number in due:
        account = accounts[participant_id]
        amount = min(left.get(pk, 0), balances.get(account.pk, 0))
        if amount <= 0:
            continue
        balances[account.pk] -= amount
        label = dict(Enrollment._meta.get_field("phase").choices).get(phase, phase)  # type: ignore[arg-type]
        entries.append(
            TokenLedgerEntry(
                account=account,
                kind=LedgerKind.EXPIRE,
                amount=-amount,
                reason=f"Unused tokens of {label} year {year_number} expired at the year's end",
                actor=None,
                actor_label="system",
                enrollment_id=pk,
                dedupe_key=f"expire:{pk}",
            )
        )
    TokenLedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return sum(-e.amount for e in entries)
