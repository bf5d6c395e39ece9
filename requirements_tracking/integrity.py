"""The canonical content of a signed checklist and its SHA-256.

The hash covers the signature itself (who, when, from where, which attestation text), every
requirement with its target and the progress frozen at signing, and every entry with its evidence
file's own SHA-256. The verification page recomputes it from the stored rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .models import Checklist, ChecklistEntry, ChecklistRequirement


def canonical_content(checklist: Checklist) -> str:
    requirements = list(ChecklistRequirement.objects.filter(checklist=checklist).order_by("order", "id"))
    entries: dict[int, list[ChecklistEntry]] = {}
    for entry in ChecklistEntry.objects.filter(requirement__checklist=checklist).order_by(
        "requirement_id", "number"
    ):
        entries.setdefault(entry.requirement_id, []).append(entry)
    attestation = checklist.attestation
    enrollment = checklist.enrollment
    data: dict[str, Any] = {
        "checklist": {
            "id": checklist.pk,
            "version": checklist.version,
            "enrollment": enrollment.pk,
            "participant": enrollment.participant_id,
            "phase": enrollment.phase,
            "policy": enrollment.policy_id,
        },
        "signature": {
            "signer": checklist.signed_by_id,
            "name": checklist.signed_name,
            "at": checklist.signed_at.isoformat() if checklist.signed_at else None,
            "ip": checklist.signed_ip,
            "user_agent": checklist.signed_user_agent,
            "attestation_version": attestation.version if attestation else None,
            "attestation_text": attestation.text if attestation else None,
        },
        "requirements": [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "target": r.target,
                "params": r.params,
                "items": r.item_labels,
                "done": r.signed_done,
                "detail": r.signed_detail,
                "entries": [
                    {
                        "number": e.number,
                        "completed_on": e.completed_on.isoformat(),
                        "mode": e.mode,
                        "note": e.note,
                        "evidence_name": e.evidence_name,
                        "evidence_size": e.evidence_size,
                        "evidence_sha256": e.evidence_sha256,
                        "recorded_by": e.recorded_by_id,
                    }
                    for e in entries.get(r.pk, [])
                ],
            }
            for r in requirements
        ],
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(checklist: Checklist) -> str:
    return hashlib.sha256(canonical_content(checklist).encode()).hexdigest()


@dataclass(frozen=True)
class IntegrityReport:
    signed: bool
    intact: bool
    stored_hash: str
    computed_hash: str
    evidence_problems: tuple[str, ...] = ()


def verify_integrity(checklist: Checklist) -> IntegrityReport:
    """Recompute the hash of a signed checklist (and of its evidence files) and compare."""
    if not checklist.is_signed:
        return IntegrityReport(False, False, "", "")
    computed = content_hash(checklist)
    problems: list[str] = []
    for entry in ChecklistEntry.objects.filter(requirement__checklist=checklist).exclude(evidence=""):
        try:
            with entry.evidence.open("rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            problems.append(f"{entry.evidence_name}: the file is missing")
            continue
        if digest != entry.evidence_sha256:
            problems.append(f"{entry.evidence_name}: the file differs from the one signed")
    return IntegrityReport(
        True,
        computed == checklist.content_hash and not problems,
        checklist.content_hash,
        computed,
        tuple(problems),
    )
