"""A new policy version applies to enrollments that start under it; older enrollments keep theirs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from enrollment import services
from enrollment.models import Invoice, Phase, PhaseRule, ProgramPolicy
from tests.enrollment.factories import enrollment, submitted_application

pytestmark = pytest.mark.django_db


def _new_version() -> ProgramPolicy:
    old = ProgramPolicy.objects.get(name="December 2025")
    new = ProgramPolicy.objects.create(name="January 2027", effective_from=date(2027, 1, 1))
    for rule in old.phase_rules.all():
        rule.pk = None
        rule.policy = new
        if rule.phase == Phase.PHASE_1:
            rule.fee = Decimal("4200")
            rule.term_months = 15
        rule.save()
    return new


def test_an_enrollment_keeps_the_version_it_started_under(cast: Any) -> None:
    before = enrollment(cast.participant, start=date(2026, 6, 1))
    new = _new_version()
    before.refresh_from_db()
    assert before.policy.name == "December 2025" and before.term_end == date(2027, 6, 1)
    application = submitted_application(cast.other_participant)
    after = services.application_approve(
        actor=cast.staff, application=application, start_date=date(2027, 2, 1)
    )
    assert after.policy == new and after.term_end == date(2028, 5, 1)
    assert Invoice.objects.get(enrollment=after).amount == Decimal("4200.00")
    # The old enrollment's rules did not move: its free extension still follows December 2025.
    services.enrollment_grant_free_extension(
        actor=cast.staff, enrollment=before, months=6, reason="x", as_of=date(2026, 7, 1)
    )
    before.refresh_from_db()
    assert before.extension_end == date(2027, 12, 1)


def test_the_admin_refuses_to_edit_a_version_in_use(cast: Any) -> None:
    from django.contrib.admin.sites import site

    from enrollment.admin import PhaseRuleInline, ProgramPolicyAdmin

    policy = ProgramPolicy.objects.get(name="December 2025")
    enrollment(cast.participant)
    admin = ProgramPolicyAdmin(ProgramPolicy, site)
    assert "name" in admin.get_readonly_fields(None, policy)  # type: ignore[arg-type]
    inline = PhaseRuleInline(ProgramPolicy, site)
    assert inline.has_change_permission(None, policy) is False  # type: ignore[arg-type]
    assert PhaseRule.objects.filter(policy=policy).count() == 4
