"""E-mails of the study_groups app. Queued after commit; the tasks send them."""

from __future__ import annotations

from django.db import transaction


def queue_behind_reminders(group_id: int, membership_ids: list[int], actor_id: int | None) -> None:
    from .tasks import send_behind_reminders

    transaction.on_commit(lambda: send_behind_reminders.delay(group_id, membership_ids, actor_id))


def queue_promotion_notice(membership_ids: list[int]) -> None:
    from .tasks import send_promotion_notices

    transaction.on_commit(lambda: send_promotion_notices.delay(membership_ids))
