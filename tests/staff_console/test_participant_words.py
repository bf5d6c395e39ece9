"""The search's index table (staff_console.models.ParticipantWords) follows every change to the rows
it is made from, kept by the database's triggers: names and e-mails, legal names, the participant role,
profiles coming and going, users deleted; ORM saves, queryset updates and bulk creates alike."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from accounts.models import User
from enrollment.models import ParticipantProfile
from staff_console import search
from staff_console.search_sql import PROFILE_WORDS, USER_WORDS
from staff_console.views.participants import RESULT_FIELDS
from tests.support import make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the index table is kept on PostgreSQL"),
]


def _table() -> dict[int, tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, last_name, first_name, email, user_words::text, profile_words::text, "
            "is_participant FROM staff_console_participantwords"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _truth() -> dict[int, tuple[Any, ...]]:
    """What the table should hold, worked out from the tables themselves with the search's own word
    expressions (those of its word indexes) and the ORM's idea of a participant."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {USER_WORDS}::text FROM accounts_user")  # constant SQL
        user_words = dict(cursor.fetchall())
        cursor.execute(f"SELECT user_id, {PROFILE_WORDS}::text FROM enrollment_participantprofile")
        profile_words = dict(cursor.fetchall())
    participants = set(search.participants_base().values_list("pk", flat=True))
    return {
        u.pk: (
            u.last_name,
            u.first_name,
            u.email,
            user_words[u.pk],
            profile_words.get(u.pk, ""),
            u.pk in participants,
        )
        for u in User.objects.all()
    }


def _check() -> None:
    assert _table() == _truth()


def test_the_table_follows_every_change_to_names_profiles_and_roles() -> None:
    ada = make_user("ada.quill@example.org", ["participant"], first_name="Ada", last_name="Quill")
    staff = make_user("sam.staff@example.org", ["staff"], first_name="Sam", last_name="Staffer")
    _check()
    assert _table()[ada.pk][-1] is True and _table()[staff.pk][-1] is False

    ada.last_name = "Quillon-Smythe"
    ada.save()
    User.objects.filter(pk=staff.pk).update(first_name="Samuel", email="samuel@example.org")
    _check()

    profile = ParticipantProfile.objects.create(
        user=staff, legal_name="Samuel O'Brien", currently_practicing=True
    )
    _check()
    assert _table()[staff.pk][-1] is True  # a profile makes a participant
    ParticipantProfile.objects.filter(pk=profile.pk).update(legal_name="Samuel Okonkwo")
    _check()
    profile.delete()
    _check()
    assert _table()[staff.pk][-1] is False

    participant_role = Group.objects.get(name="participant")
    ada.groups.remove(participant_role)
    _check()
    assert _table()[ada.pk][-1] is False
    staff.groups.add(participant_role)
    _check()

    ParticipantProfile.objects.create(user=ada, legal_name="Ada Lovelace", currently_practicing=True)
    _check()
    staff.delete()  # their group memberships go first, then the user, and the row with them
    _check()
    assert staff.pk not in _table()

    User.objects.bulk_create(
        [User(email=f"bulk{i}@example.org", last_name=f"Bulk{i}", password="!") for i in range(3)]
    )
    _check()


def test_a_one_word_search_reads_the_changes_at_once() -> None:
    """A staff member who renames a participant finds them under the new name straight away."""
    person = make_user("rita@example.org", ["participant"], first_name="Rita", last_name="Moreno")
    query = search.prefix_query("moren")
    assert [row["pk"] for row in search._INDEXED_PAGES.dicts(query, 10, 0, 5, RESULT_FIELDS)] == [person.pk]
    person.last_name = "Hayworth"
    person.save(update_fields=["last_name"])
    assert search._INDEXED_PAGES.dicts(query, 10, 0, 5, RESULT_FIELDS) == []
    found = search._INDEXED_PAGES.dicts(search.prefix_query("haywo"), 10, 0, 5, RESULT_FIELDS)
    assert [(row["pk"], row["last_name"]) for row in found] == [(person.pk, "Hayworth")]
    ParticipantProfile.objects.create(user=person, legal_name="Margarita Cansino", currently_practicing=True)
    found = search._INDEXED_PAGES.dicts(search.prefix_query("cansi"), 10, 0, 5, RESULT_FIELDS)
    assert [row["pk"] for row in found] == [person.pk]


@pytest.mark.django_db(transaction=True)
def test_two_transactions_changing_one_person_leave_the_row_with_both_changes() -> None:
    """A rename and a new profile for the same person, in transactions that overlap: the row ends with
    the new name and the legal name (each refresh waits for the person's row and reads what the
    other committed; without that, the later one wrote the row from a snapshot without the other's
    change)."""
    import threading

    from django.db import connections, transaction

    person = make_user("overlap@example.org", ["participant"], first_name="Olga", last_name="Before")
    renamed = threading.Event()
    errors: list[BaseException] = []

    def rename() -> None:
        try:
            with transaction.atomic():
                User.objects.filter(pk=person.pk).update(last_name="After")
                renamed.set()
                time.sleep(0.5)  # the other transaction starts its change meanwhile
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            renamed.set()
            connections.close_all()

    def add_profile() -> None:
        try:
            renamed.wait(5)
            with transaction.atomic():
                ParticipantProfile.objects.create(
                    user_id=person.pk, legal_name="Olga Overlap", currently_practicing=True
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rename), threading.Thread(target=add_profile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    row = _table()[person.pk]
    assert row[0] == "After" and "overlap" in row[4]
    _check()
