"""Seeds the December 2025 requirements of each phase from DOMAIN.md, the first attestation text, the
first policy agreement and the two recurring call series. Staff edit all of it in the admin."""

from datetime import date, time

from django.db import migrations

ALL_REPORTS = ["typical", "fidelity", "client_initial", "client_follow_up"]

# code, name, kind, target, target_from, params, condition, description, items
PHASE1 = [
    (
        "multimedia",
        "Multimedia content per syllabus",
        "items",
        0,
        "items",
        {},
        "always",
        "The items staff list for the syllabus.",
        [],
    ),
    (
        "readings",
        "Readings per syllabus",
        "items",
        0,
        "items",
        {},
        "always",
        "Participants obtain their own copies of the two books.",
        ["The Boy Who Was Raised as a Dog", "What Happened to You?"],
    ),
    (
        "core_series",
        "NMT Core Certification Series recordings",
        "sessions",
        10,
        "fixed",
        {"minutes": 90},
        "always",
        "10 sessions, 90 minutes each.",
        [],
    ),
    (
        "case_seminars",
        "Case-based seminars (2021 Series Case Discussions)",
        "sessions",
        10,
        "fixed",
        {"minutes": 90},
        "always",
        "10 recorded sessions, 90 minutes each.",
        [],
    ),
    (
        "metric_training",
        "Metric tool training",
        "sessions",
        2,
        "fixed",
        {},
        "always",
        "2 recorded sessions.",
        [],
    ),
    (
        "reports_typical",
        "Metric reports: Typical",
        "metric_reports",
        2,
        "fixed",
        {"report_types": ["typical"]},
        "always",
        "",
        [],
    ),
    (
        "reports_fidelity",
        "Metric reports: Fidelity",
        "metric_reports",
        1,
        "fixed",
        {"report_types": ["fidelity"]},
        "always",
        "",
        [],
    ),
    (
        "reports_client",
        "Metric reports: client",
        "metric_reports",
        7,
        "fixed",
        {"report_types": ["client_initial", "client_follow_up"]},
        "always",
        "Initial or follow-up reports on clients.",
        [],
    ),
    (
        "metric_calls",
        "Monthly Metric Scoring / Implementation calls",
        "monthly_calls",
        10,
        "fixed",
        {"series": ["metric"]},
        "always",
        "Live or recording; months covered (no calls in July or August).",
        [],
    ),
    (
        "fidelity_exercise",
        "Fidelity Exercise",
        "fidelity",
        1,
        "fixed",
        {},
        "always",
        "Every Fidelity Exercise that falls in the period.",
        [],
    ),
    (
        "study_group",
        "Certification Study Group calls",
        "study_group",
        24,
        "fixed",
        {"per_month": 2},
        "always",
        "Two 1-hour calls a month.",
        [],
    ),
    (
        "community_calls",
        "NN Community calls",
        "monthly_calls",
        10,
        "fixed",
        {"series": ["community"]},
        "always",
        "Monthly, live or recording; months covered.",
        [],
    ),
    (
        "policy_agreement",
        "Signed client-confidentiality and attribution policy",
        "agreement",
        1,
        "fixed",
        {},
        "always",
        "",
        [],
    ),
    (
        "prerequisite_series",
        "Pre-Requisite Series",
        "sessions",
        10,
        "fixed",
        {},
        "prerequisite",
        "Added at no extra cost for participants without a prior Case-based Training Series.",
        [],
    ),
]

PHASE2 = [
    (
        "multimedia",
        "Multimedia content per the online training program",
        "items",
        0,
        "items",
        {},
        "always",
        "",
        [],
    ),
    ("readings", "Readings per the online training program", "items", 0, "items", {}, "always", "", []),
    ("ttt_intro", "Introductory TTT session", "sessions", 1, "fixed", {"minutes": 90}, "always", "", []),
    (
        "trainer_series",
        "NMT Trainer Series webinars",
        "sessions",
        11,
        "fixed",
        {"minutes": 90},
        "always",
        "11 webinars, 90 minutes each.",
        [],
    ),
    (
        "ttt_materials",
        "TTT slides and video clips",
        "items",
        0,
        "items",
        {},
        "always",
        "",
        ["TTT slides", "TTT video clips"],
    ),
    (
        "dev_trauma",
        "Intro to Developmental Trauma Series",
        "sessions",
        12,
        "fixed",
        {},
        "always",
        "12 sessions.",
        [],
    ),
    (
        "advanced_case",
        "NMT Advanced Case-based Training Series",
        "sessions",
        10,
        "fixed",
        {},
        "always",
        "10 recordings.",
        [],
    ),
    (
        "metric_reports",
        "Metric reports",
        "metric_reports",
        20,
        "fixed",
        {"report_types": ALL_REPORTS, "per_year": 10},
        "always",
        "At least 10 a year for 2 years.",
        [],
    ),
    (
        "metric_calls",
        "Monthly Metric Scoring and Implementation calls",
        "monthly_calls",
        20,
        "fixed",
        {"series": ["metric"]},
        "always",
        "Live or recording; months covered.",
        [],
    ),
    (
        "fidelity_exercise",
        "Fidelity Exercises",
        "fidelity",
        2,
        "fixed",
        {},
        "always",
        "Every Fidelity Exercise that falls in the period.",
        [],
    ),
    (
        "trainer_study_group",
        "Certification Trainer Study Group",
        "study_group",
        24,
        "fixed",
        {"group_kind": "trainer"},
        "always",
        "Monthly calls for 2 full years.",
        [],
    ),
    (
        "facilitation",
        "Certification Group Facilitation",
        "facilitation",
        24,
        "fixed",
        {"per_month": 2},
        "always",
        "Year 1 mostly observe; year 2 facilitate the group's two monthly meetings and give "
        "feedback on each.",
        [],
    ),
    (
        "community_calls",
        "NMT Community meetings",
        "monthly_calls",
        20,
        "fixed",
        {"series": ["community"]},
        "always",
        "Monthly, live or recording; months covered.",
        [],
    ),
    ("policy_agreement", "Signed policy agreement", "agreement", 1, "fixed", {}, "always", "", []),
]

MAINTENANCE = [
    ("fidelity_exercise", "The year's Fidelity Exercise", "fidelity", 1, "fixed", {}, "always", "", []),
    (
        "metric_reports",
        "Metric reports",
        "metric_reports",
        0,
        "maintenance_reports",
        {"report_types": ALL_REPORTS},
        "always",
        "5 a year if Phase I trained, 10 if Phase II trained (policy); fidelity reports count.",
        [],
    ),
    (
        "package",
        "The year's Maintenance package",
        "items",
        0,
        "items",
        {},
        "always",
        "New readings, videos and case-based sessions listed by staff.",
        [],
    ),
    ("policy_agreement", "Signed policy agreement", "agreement", 1, "fixed", {}, "always", "", []),
    (
        "trainer_activities",
        "Training sites and activities (trainers)",
        "trainer_activities",
        0,
        "fixed",
        {},
        "phase2_trained",
        "The presentations of NMT content you gave this year (a list, not a minimum).",
        [],
    ),
]

RECERTIFICATION = [
    (code, name.replace("Maintenance package", "Re-Certification package"), *rest)
    for code, name, *rest in MAINTENANCE
]

ATTESTATION = (
    "I attest that the information in this checklist is true and complete; that I personally completed "
    "each session and item recorded in it, on the dates and in the way (live or by recording) stated; "
    "and that I understand that NMN staff may verify it and that a false statement may end my "
    "participation in the certification program."
)

AGREEMENT = (
    "I will protect the confidentiality of every client whose case I discuss or score in this program: I "
    "will use only pseudonymous client codes, never names or identifying details, in metric reports, "
    "study groups and calls.\n\n"
    "I will attribute the Neurosequential Model of Therapeutics and its metrics to the Neurosequential "
    "Network whenever I present or describe them, and I will not train others to use the NMT metrics.\n\n"
    "I understand that certification attests exposure to and participation in training, not clinical "
    "competence, and confers no special affiliation with or endorsement by the Neurosequential Network."
)

SUMMER_FREE = "1,2,3,4,5,6,9,10,11,12"


def seed(apps, schema_editor):
    Policy = apps.get_model("enrollment", "ProgramPolicy")
    Template = apps.get_model("requirements_tracking", "RequirementTemplate")
    Item = apps.get_model("requirements_tracking", "RequirementTemplateItem")
    policy = Policy.objects.filter(name="December 2025").first()
    if policy is not None:
        for phase, rows in (
            ("phase1", PHASE1),
            ("phase2", PHASE2),
            ("maintenance", MAINTENANCE),
            ("recertification", RECERTIFICATION),
        ):
            for order, (code, name, kind, target, target_from, params, condition, desc, items) in enumerate(
                rows
            ):
                template, created = Template.objects.get_or_create(
                    policy=policy,
                    phase=phase,
                    code=code,
                    defaults={
                        "name": name,
                        "kind": kind,
                        "target": target,
                        "target_from": target_from,
                        "params": params,
                        "condition": condition,
                        "description": desc,
                        "order": (order + 1) * 10,
                    },
                )
                if created:
                    for i, label in enumerate(items):
                        Item.objects.create(template=template, label=label, order=(i + 1) * 10)
    apps.get_model("requirements_tracking", "AttestationText").objects.get_or_create(
        version=1, defaults={"text": ATTESTATION}
    )
    apps.get_model("requirements_tracking", "PolicyAgreement").objects.get_or_create(
        version=1, defaults={"text": AGREEMENT}
    )
    Series = apps.get_model("requirements_tracking", "CallSeries")
    Series.objects.get_or_create(
        code="metric",
        defaults={
            "name": "NMT Metric / Implementation call",
            "description": "Monthly metric scoring and implementation call: live or by recording.",
            "rrule": f"FREQ=MONTHLY;BYDAY=+3TH;BYMONTH={SUMMER_FREE}",
            "starts_on": date(2025, 12, 1),
            "local_time": time(15, 0),
            "time_zone": "America/New_York",
            "duration_minutes": 60,
        },
    )
    Series.objects.get_or_create(
        code="community",
        defaults={
            "name": "NN Community call",
            "description": "Monthly Neurosequential Network community call: live or by recording.",
            "rrule": f"FREQ=MONTHLY;BYDAY=+4TH;BYMONTH={SUMMER_FREE}",
            "starts_on": date(2025, 12, 1),
            "local_time": time(15, 0),
            "time_zone": "America/New_York",
            "duration_minutes": 60,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("requirements_tracking", "0002_signed_checklist_triggers"),
        ("enrollment", "0002_december_2025_policy"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
