"""The whole program, end to end, in a real browser: a clinician signs up and applies, staff approve,
a year of Phase I passes quarter by quarter (checklist, metric reports, program calls, the Fidelity
Exercise, study-group attendance taken by the mentor), the checklist is signed, staff move the
participant to Maintenance, an admin issues the certificate, anyone verifies it, and when Maintenance
is left to lapse the verification page says so.

People act only through the pages. The test moves only the clock (time_machine) and, when a year has
passed, runs the daily rule job (`enforce_rules`) the way Celery beat would. Screenshots of every step
are in test-artifacts/journey/.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import User
from certificates.models import Certificate
from enrollment.dates import add_months
from enrollment.models import Enrollment, EnrollmentStatus, Phase
from requirements_tracking.models import Checklist, ChecklistStatus
from tests.browser import journey_steps as step
from tests.browser.conftest import shot
from tests.requirements_tracking.factories import clear_signed_checklists
from tests.support import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The journey's calendar. Phase I starts on the first Monday of 2027; every quarter the people come
# back to record what happened since. The program's calls and the study group's meetings (1st and 3rd
# Tuesday) in each quarter are all within the pages' lists of recent ones.
START = date(2027, 1, 4)
QUARTERS = [date(2027, 4, 5), date(2027, 7, 5), date(2027, 10, 4), date(2028, 1, 3)]
FIDELITY_DEADLINE = date(2027, 5, 31)

NAME = "Jordan Rivera"
LEGAL_NAME = "Jordan A. Rivera"
EMAIL = "jordan.rivera@example.org"


@pytest.fixture(autouse=True)
def _clear_signed_checklists(live_server: Any) -> Any:
    """On SQLite the teardown's flush deletes rows one table at a time, which the signed-checklist
    triggers refuse: clear them first (PostgreSQL truncates, but clearing does no harm)."""
    yield
    clear_signed_checklists()


def test_a_clinician_goes_from_application_to_a_lapsed_maintenance(
    page: Any, browser: Any, live_server: Any, tmp_path: Path
) -> None:
    staff = make_user("sam.staff@example.org", ["staff"], mfa=True, first_name="Sam", last_name="Staff")
    admin = make_user(
        "alex.admin@example.org", ["admin", "staff"], mfa=True, first_name="Alex", last_name="Admin"
    )
    mentor = make_user("morgan.mentor@example.org", ["mentor"], first_name="Morgan", last_name="Mentor")

    with (
        step.Clock(step.at(START)) as clock,
        step.new_page(browser, live_server.url) as office,  # staff and the admin, one desk
        step.new_page(browser, live_server.url) as mentor_page,
    ):
        # 1. Sign up (with the e-mail verification link) and apply for Phase I.
        step.sign_up(page, email=EMAIL, first_name="Jordan", last_name="Rivera")
        shot(page, "journey/01-signed-up")
        page.goto("/certification/")
        page.get_by_test_id("apply-link").click()
        page.wait_for_url("**/certification/apply/")
        step.fill_application(page, legal_name=LEGAL_NAME)
        shot(page, "journey/02-application-form")
        step.submit(page, page.get_by_role("button", name="Submit application"))
        assert "waiting for review" in page.get_by_test_id("current-phase").inner_text()
        participant = User.objects.get(email=EMAIL)

        # 2. Staff (TOTP) review the application and approve it: Phase I starts today.
        step.sign_in(office, staff, mfa=True)
        office.goto("/certification/staff/applications/")
        office.get_by_role("link", name="Review").first.click()
        office.wait_for_url("**/certification/staff/applications/*/")
        # Every eligibility rule is met, the Case-based Series too: no Pre-Requisite Series is added.
        assert office.locator(".eligibility-pass").count() == 4
        assert office.locator(".eligibility-fail, .eligibility-note").count() == 0
        shot(office, "journey/03-staff-application-review")
        step.submit(office, office.get_by_test_id("approve"))
        assert "Approved" in step.messages(office)
        phase1 = Enrollment.objects.get(participant=participant, phase=Phase.PHASE_1)
        assert phase1.status == EnrollmentStatus.ACTIVE and phase1.start_date == START
        assert not phase1.prerequisite_required
        step.record_payment(office, participant, "4000.00", "Transfer 2027-0104")

        # Staff set up the year: the Fidelity Exercise and the participant's study group.
        office.goto("/metrics/staff/fidelity/")
        form = office.get_by_test_id("exercise-form")
        form.get_by_label("Year").fill("2027")
        form.get_by_label("Title").fill("The case of R.")
        form.get_by_label("Case abstract").set_input_files(str(step.small_pdf(tmp_path, "case.pdf")))
        form.get_by_label("Q&A session (date and time, in your time zone)").fill("2027-03-11T15:00")
        form.get_by_label("Q&A session link").fill("https://meet.example.org/fidelity-qa")
        form.get_by_label("Submission deadline (last day)").fill(FIDELITY_DEADLINE.isoformat())
        form.get_by_role("button", name="Create and assign").click()
        office.wait_for_url("**/metrics/staff/fidelity/*/")
        assert office.get_by_test_id("missing").locator("li").count() == 1

        office.goto("/groups/new/?kind=certification")
        office.get_by_label("Name").fill("Tuesday Certification Study Group")
        office.get_by_label("Cohort").fill("2027 winter")
        office.get_by_label("Mentors").select_option(label=f"Morgan Mentor <{mentor.email}>")
        office.get_by_label("Capacity").fill("12")
        office.get_by_label("Starts on").fill(START.isoformat())
        office.get_by_label("Start time").fill("15:00")
        step.submit(office, office.get_by_role("button", name="Create group"))
        assert "meetings are scheduled" in step.messages(office)
        group_path = office.url.split(live_server.url, 1)[1].split("#")[0]
        office.locator("#id_email").fill(EMAIL)
        step.submit(office, office.get_by_role("button", name="Add to the group"))
        assert f"{NAME} joined" in step.messages(office)
        shot(office, "journey/04-staff-study-group")

        # The participant sees the active Phase I and signs the policy agreement.
        page.goto("/certification/")
        current = page.get_by_test_id("current-phase").inner_text()
        assert "Phase I" in current and "Active" in current
        assert page.get_by_test_id("balance").inner_text() == "$0.00"
        shot(page, "journey/05-phase-one-active")
        page.goto("/requirements/agreement/")
        page.locator("#id_agree").check()
        page.locator("#id_full_name").fill(LEGAL_NAME)
        step.submit(page, page.get_by_role("button", name="Sign version 1"))
        assert page.get_by_test_id("agreement-signed").is_visible()

        # 3 and 4. A year of Phase I, one quarter at a time.
        ticks = {  # requirement code -> how many to record each quarter
            1: {"readings": 2, "metric_training": 2, "core_series": 5},
            2: {"core_series": 5},
            3: {"case_seminars": 5},
            4: {"case_seminars": 5},
        }
        client_reports = {1: 2, 2: 2, 3: 2, 4: 1}
        for quarter, day in enumerate(QUARTERS, start=1):
            clock.move_to(step.at(day))

            step.sign_in(mentor_page, mentor)
            assert step.take_attendance(mentor_page, group_path, NAME) == 6
            row = mentor_page.locator(f'tr[data-member="{EMAIL}"]')
            assert row.get_by_test_id("calls").inner_text() == f"{6 * quarter} of 24"
            if quarter == 1:
                shot(mentor_page, "journey/06-mentor-attendance")

            step.sign_in(page, participant)
            assert step.record_past_calls(page) == (2 if quarter == 3 else 6)
            if quarter == 1:
                shot(page, "journey/07-program-calls")
                step.record_report(page, "typical")
                step.record_report(page, "typical")
                step.record_report(page, "fidelity")
            for n in range(client_reports[quarter]):
                step.record_report(page, "client_initial", f"C-{quarter}{n:03d}")
            if quarter == 1:
                shot(page, "journey/08-metric-reports")
            if quarter == 2:
                # The Fidelity deadline has passed: staff publish the results, the participant self-scores.
                step.sign_in(office, staff, mfa=True)
                office.goto("/metrics/staff/fidelity/")
                office.get_by_role("link", name="The case of R.").first.click()
                office.wait_for_url("**/metrics/staff/fidelity/*/")
                publish = office.get_by_test_id("publish-form")
                publish.get_by_label("Scored report").set_input_files(
                    str(step.small_pdf(tmp_path, "scored.pdf"))
                )
                publish.get_by_label("Self scoring instructions").fill("Compare your scores item by item.")
                publish.get_by_label("Recorded feedback discussion (30 minutes): link").fill(
                    "https://meet.example.org/fidelity-feedback"
                )
                step.submit(office, publish.get_by_role("button", name="Publish results"))
                assert "Results published" in step.messages(office)
                page.goto("/metrics/fidelity/")
                step.submit(page, page.get_by_role("button", name="I have self-scored"))
                assert "Self-scoring marked done" in step.messages(page)
                shot(page, "journey/09-fidelity-self-scored")

            page.goto("/requirements/")
            page.wait_for_url("**/requirements/checklists/*/")
            for code, count in ticks[quarter].items():
                step.tick_checklist(page, code, count, mode="live" if code == "core_series" else "recording")
            assert step.count_of(page, "study_group") == f"{6 * quarter} of 24"
            months = {1: 3, 2: 6, 3: 7, 4: 10}[quarter]
            assert step.count_of(page, "metric_calls") == f"{months} of 10"
            assert step.count_of(page, "community_calls") == f"{months} of 10"
            if quarter in (1, 4):
                shot(page, f"journey/{10 if quarter == 1 else 11}-checklist-quarter-{quarter}")

        # 5. Every requirement is met: the participant signs the checklist.
        checklist_url = page.url.split("#")[0]
        assert page.get_by_test_id("overall-progress").get_attribute("aria-valuenow") == "100"
        page.get_by_test_id("sign-link").click()
        page.wait_for_url("**/checklists/*/sign/")
        assert "I attest that" in page.get_by_test_id("attestation-text").inner_text()
        page.locator("#id_attest").check()
        page.locator("#id_full_name").fill(LEGAL_NAME)
        page.locator("#id_password").fill(PASSWORD)
        shot(page, "journey/12-sign-checklist")
        page.get_by_role("button", name="Sign checklist").click()
        page.wait_for_url(checklist_url)
        assert "Signed" in page.get_by_test_id("checklist-status").inner_text()
        assert Checklist.objects.get(enrollment=phase1, version=1).status == ChecklistStatus.SIGNED

        # 6. The participant asks to move on to Maintenance; staff verify the checklist and approve.
        page.goto("/certification/")
        page.get_by_label("Move on to").select_option(Phase.MAINTENANCE)
        page.get_by_label("Note for staff").fill("Phase I is complete; I would like to start Maintenance.")
        step.submit(page, page.get_by_role("button", name="Ask to move on"))
        assert "Your request to move on is sent to staff." in step.messages(page)
        shot(page, "journey/13-move-on-requested")

        step.sign_in(office, staff, mfa=True)
        office.goto("/requirements/review/")
        office.get_by_role("link", name=NAME).first.click()
        office.wait_for_url("**/requirements/checklists/*/")
        office.locator("#review-comment").fill("Evidence in order.")
        step.submit(office, office.get_by_role("button", name="Verify"))
        assert "Verified" in office.get_by_test_id("checklist-status").inner_text()
        office.goto("/certification/staff/transitions/")
        row = office.get_by_test_id("transition-row").filter(has_text=NAME)
        assert "complete" in row.inner_text()
        shot(office, "journey/14-staff-transition")
        step.submit(office, row.get_by_role("button", name="Approve"))
        assert "moves on to Maintenance" in step.messages(office)
        phase1.refresh_from_db()
        assert phase1.status == EnrollmentStatus.COMPLETED and phase1.completed_on == QUARTERS[-1]
        maintenance = Enrollment.objects.get(participant=participant, phase=Phase.MAINTENANCE)
        assert maintenance.status == EnrollmentStatus.ACTIVE and maintenance.year_number == 1
        step.record_payment(office, participant, "250.00", "Transfer 2028-0103")

        page.goto("/certification/")
        current = page.get_by_test_id("current-phase").inner_text()
        assert "Maintenance" in current and "year 1" in current and "Active" in current
        assert page.get_by_test_id("balance").inner_text() == "$0.00"
        shot(page, "journey/15-maintenance-active")

        # 7. The admin issues the certificate.
        step.sign_in(office, admin, mfa=True)
        office.goto("/certificates/all/")
        assert LEGAL_NAME in office.get_by_test_id("awaiting").inner_text()
        office.get_by_label(f"Issue for {participant}").check()
        office.get_by_test_id("issue-selected").click()
        office.wait_for_url("**/certificates/*/")
        assert "Issued 1 certificate" in step.messages(office)
        assert office.get_by_role("heading", level=1).inner_text() == f"Phase I · {LEGAL_NAME}"
        shot(office, "journey/16-certificate-issued")
        code = office.locator("code").first.inner_text().strip()
        certificate = Certificate.objects.get(participant=participant)
        assert certificate.verification_code == code and certificate.level == Phase.PHASE_1

        # 8. Anyone verifies it: no session, the URL the QR code holds.
        with step.new_page(browser, live_server.url) as visitor:
            visitor.goto(f"/verify/{code}/")
            card = visitor.get_by_test_id("verification")
            assert card.get_attribute("data-status") == "valid"
            assert "Maintenance current" in card.inner_text()
            assert visitor.get_by_test_id("verified-name").inner_text() == LEGAL_NAME
            shot(visitor, "journey/17-verify-valid-maintenance-current")

            # 9. A year passes without renewal: the daily job makes the renewal due (still current) ...
            year_end = maintenance.term_end
            clock.move_to(step.at(year_end))
            call_command("enforce_rules", as_of=year_end.isoformat())
            maintenance.refresh_from_db()
            assert maintenance.status == EnrollmentStatus.RENEWAL_DUE
            visitor.reload()
            assert "Maintenance current" in visitor.get_by_test_id("verification").inner_text()

            # ... and once it has been due for the policy's lapse threshold, Maintenance lapses.
            threshold = add_months(year_end, maintenance.policy.lapse_threshold_months)
            call_command("enforce_rules", as_of=(threshold - timedelta(days=1)).isoformat())
            maintenance.refresh_from_db()
            assert maintenance.status == EnrollmentStatus.RENEWAL_DUE  # not yet: one day short
            lapse_on = threshold + timedelta(days=1)
            clock.move_to(step.at(lapse_on))
            call_command("enforce_rules", as_of=lapse_on.isoformat())
            maintenance.refresh_from_db()
            assert maintenance.status == EnrollmentStatus.LAPSED
            visitor.reload()
            card = visitor.get_by_test_id("verification")
            assert card.get_attribute("data-status") == "valid"
            assert "Maintenance lapsed" in card.inner_text()
            shot(visitor, "journey/18-verify-maintenance-lapsed")

        # The participant is told, and shown the way back (Re-Certification).
        step.sign_in(page, participant)
        page.goto("/certification/")
        note = page.get_by_test_id("lapsed-note")
        assert f"Maintenance lapsed on {maintenance.ended_on:%-d %B %Y}" in note.inner_text()
        shot(page, "journey/19-participant-after-lapse")
        note.get_by_role("link").click()
        page.wait_for_url("**/maintenance/")
        assert page.get_by_role("heading", name="Re-Certification required").is_visible()
        assert page.get_by_role("button", name="Start Re-Certification").is_visible()
        shot(page, "journey/20-recertification-offered")
