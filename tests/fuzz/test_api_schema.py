"""Schemathesis against the project's own OpenAPI schema (/api/schema/), in-process through Django's
WSGI handler, once with a staff member's personal token and once with a participant's: no answer is a
server error, and every answer's status code, content type and body are the ones the schema declares.

Each example runs in a savepoint that is rolled back, so every example meets the same demo world, and
path parameters are drawn half the time from that world's real objects (the rest of the time, from
what the schema allows), so the fuzzing reaches past the 404s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import FUZZ_NOW, World, rolled_back

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Few examples per operation and role, valid and invalid ones, and no "coverage" phase (hundreds of
# boundary cases for a large body): the whole fuzz suite stays within a few minutes on two cores. A
# fixed seed and derandomized generation make a CI failure reproducible locally.
EXAMPLES = 12
SEED = 20260615

CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"deterministic": True, "max-examples": EXAMPLES},
        "phases": {"coverage": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

# Which model a path parameter names, by the path segment before it.
PARAMETER_MODELS = {
    "applications": "enrollment.Application",
    "enrollments": "enrollment.Enrollment",
    "extension-requests": "enrollment.ExtensionRequest",
    "transition-requests": "enrollment.TransitionRequest",
    "invoices": "enrollment.Invoice",
    "participants": "accounts.User",
    "ledger": "accounts.User",
    "policies": "enrollment.ProgramPolicy",
    "tokens": "accounts.ApiToken",
    "checklists": "requirements_tracking.Checklist",
    "checklist-entries": "requirements_tracking.ChecklistEntry",
    "requirements": "requirements_tracking.ChecklistRequirement",
    "study-groups": "study_groups.StudyGroup",
    "meetings": "study_groups.Meeting",
    "members": "study_groups.Membership",
    "facilitators": "study_groups.Facilitation",
    "certificates": "certificates.Certificate",
    "bulk-jobs": "certificates.BulkPrintJob",
    "presentations": "maintenance.Presentation",
    "recertifications": "enrollment.Enrollment",
    "years": "enrollment.Enrollment",
    "fidelity": "metrics_tokens.FidelityAssignment",
    "exercises": "metrics_tokens.FidelityExercise",
    "entries": "metrics_tokens.TokenLedgerEntry",
    "evidence-packs": "staff_console.EvidencePackJob",
}


def real_values(path: str, name: str) -> list[Any]:
    """Values of path parameter `name` that name something in the world."""
    from certificates.models import Certificate
    from requirements_tracking.models import CallSeries
    from requirements_tracking.schedule import occurrences_between
    from staff_console.queues import QUEUES
    from staff_console.reports import REPORTS

    segments = path.strip("/").split("/")
    before = segments[segments.index(f"{{{name}}}") - 1]
    if name == "key":
        return sorted(REPORTS if before == "reports" else QUEUES)
    if name == "code":
        return list(Certificate.objects.order_by("pk").values_list("verification_code", flat=True)[:5])
    if name == "series":
        return list(CallSeries.objects.order_by("pk").values_list("code", flat=True))
    if name == "day":
        now = datetime.fromisoformat(FUZZ_NOW)
        calls = occurrences_between(now - timedelta(days=120), now + timedelta(days=60))
        return sorted({c.original_date.isoformat() for c in calls})
    if name == "kind" or before not in PARAMETER_MODELS:
        return []
    model = apps.get_model(PARAMETER_MODELS[before])
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:30])


# Filled once the world exists (schemathesis also draws cases while collecting, without a database).
KNOWN: dict[tuple[str, str], list[Any]] = {}


@pytest.fixture(scope="module")
def known_values(fuzz_world: World) -> Iterator[None]:
    KNOWN.clear()
    for operation in schema.get_all_operations():
        path = operation.ok().path
        for name in re.findall(r"{(\w+)}", path):
            KNOWN[path, name] = real_values(path, name)
    yield
    KNOWN.clear()


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters or not KNOWN:
        return st.just(path_parameters)
    path = context.operation.path
    known = {name: KNOWN.get((path, name), []) for name in path_parameters}
    real = {name: st.sampled_from(values) for name, values in known.items() if values}
    if not real:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(real).map(path_parameters.__or__))


@pytest.mark.parametrize("role", ["staff", "participant"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(
    case: Any, role: str, fuzz_world: World, known_values: None, in_process_wsgi: None, db: None
) -> None:
    with rolled_back():
        response = case.call(headers={"Authorization": f"Bearer {fuzz_world.secrets[role]}"})
    case.validate_response(response, checks=CHECKS)
