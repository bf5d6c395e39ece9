"""Accessibility helpers for the browser tests: a realistic world to look at, axe-core in the page, and
signing in as each role.

axe-core comes from the npm registry (package.json) and is copied into tests/browser/assets/ (ignored
by git) when the tests run; it is added to every page as an init script, which the page's strict
Content-Security-Policy does not block, so the pages are audited with their real policy on.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import browser_sign_in

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ASSETS = Path(__file__).resolve().parent / "assets"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
ROLES = ("anonymous", "participant", "mentor", "trainer", "staff", "admin")

DEMO_EMAILS = {
    "participant": "participant@example.org",
    "mentor": "mentor@example.org",
    "trainer": "trainer@example.org",
    "staff": "staff@example.org",
    "admin": "admin@example.org",
}


def axe_asset() -> Path:
    """axe.min.js copied from node_modules into the test assets (`npm ci` puts it there)."""
    if not AXE_SOURCE.exists():
        raise RuntimeError(f"{AXE_SOURCE} is missing: run `npm ci` (make install does).")
    ASSETS.mkdir(exist_ok=True)
    target = ASSETS / "axe.min.js"
    if not target.exists() or target.stat().st_mtime < AXE_SOURCE.stat().st_mtime:
        shutil.copyfile(AXE_SOURCE, target)
    return target


@dataclass
class World:
    """What the demo seed made, as URL arguments by name (see PAGES in test_accessibility)."""

    args: dict[str, dict[str, Any]] = field(default_factory=dict)

    def url(self, name: str, key: str | None = None) -> str:
        return reverse(name, kwargs=self.args[key] if key else None)


def seed_world() -> World:
    """The demo data (`manage.py seed_demo`): a participant in Phase I with a checklist half done, metric
    reports and a study group with meetings and attendance; a mentor; a trainer with presentations and a
    certificate; staff and admin with MFA. Then a completion awaiting a certificate and a bulk print job
    under way, so the admin's pages have something in every section."""
    from django.core.management import call_command

    from accounts.demo import demo_user
    from certificates.models import BulkPrintJob, BulkPrintStatus, Certificate
    from enrollment.models import Application, Enrollment, EnrollmentStatus, Phase
    from maintenance.models import Presentation, PresentationStatus
    from requirements_tracking.models import Checklist
    from study_groups.demo import PHASE1_GROUP
    from study_groups.models import Meeting, StudyGroup

    call_command("seed_demo", stdout=io.StringIO())
    participant = demo_user("participant@example.org")
    admin = demo_user("admin@example.org")
    renewal = demo_user("renewal@example.org")
    # A Phase II/TTT that staff approved as completed (what enrollment's services leave): awaiting.
    start = timezone.localdate() - timedelta(days=400)
    Enrollment.objects.create(
        participant=renewal,
        phase=Phase.PHASE_2,
        policy=Enrollment.objects.filter(participant=participant).get().policy,
        status=EnrollmentStatus.COMPLETED,
        start_date=start,
        term_end=start + timedelta(days=365),
        completed_on=start + timedelta(days=360),
    )
    certificate = Certificate.objects.filter(participant__email="trainer@example.org").first()
    assert certificate is not None, "the demo seed issues a certificate for the trainer's Phase I"
    job = BulkPrintJob.objects.create(
        created_by=admin,
        status=BulkPrintStatus.RUNNING,
        certificate_ids=[certificate.pk],
        total=2,
        done_count=1,
        shard_progress=[1],
        started_at=timezone.now(),
    )
    group = StudyGroup.objects.get(name=PHASE1_GROUP)
    meeting = Meeting.objects.filter(group=group, starts_at__lt=timezone.now()).order_by("-starts_at").first()
    assert meeting is not None
    checklist = Checklist.objects.filter(enrollment__participant=participant).order_by("-pk").first()
    assert checklist is not None
    application = Application.objects.order_by("pk").first()
    assert application is not None
    presentation = Presentation.objects.filter(status=PresentationStatus.SUBMITTED).first()
    assert presentation is not None
    return World(
        args={
            "participant": {"pk": participant.pk},
            "group": {"pk": group.pk},
            "meeting": {"pk": group.pk, "meeting_pk": meeting.pk},
            "checklist": {"pk": checklist.pk},
            "application": {"pk": application.pk},
            "presentation": {"pk": presentation.pk},
            "certificate": {"pk": certificate.pk},
            "verification": {"code": certificate.verification_code},
            "bulk_job": {"pk": job.pk},
            "queue": {"key": "applications"},
        }
    )


def demo_totp(email: str) -> Any:
    """A function giving the demo account's current code (None without MFA), forgetting that the code
    was used so a test can sign in twice within one period."""
    from django.core.cache import cache

    from accounts.demo import DEMO_PEOPLE, demo_user
    from accounts.management.commands.demo_totp import current_code

    secret = next(p.totp_secret for p in DEMO_PEOPLE if p.email == email)
    if secret is None:
        return None

    def code() -> str:
        value = current_code(secret)
        cache.delete(f"allauth.mfa.totp.used?user={demo_user(email).pk}&code={value}")
        return value

    return code


def sign_in_as(page: Any, role: str) -> None:
    from accounts.demo import DEMO_PASSWORD

    if role == "anonymous":
        return
    email = DEMO_EMAILS[role]
    browser_sign_in(page, email, DEMO_PASSWORD, totp=demo_totp(email))


def settle(page: Any) -> None:
    """Wait until htmx has loaded the page's sections: they are aria-busy until their content arrives."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('[aria-busy=true], .htmx-request')")


AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 8),
  }));
}
"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now."""
    found = page.evaluate(AXE_RUN, AXE_TAGS)
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def describe(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {target}" for target in v["targets"])
    return "\n".join(lines)
