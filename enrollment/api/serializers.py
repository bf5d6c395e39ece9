from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.roles import is_staff_member

from ..models import (
    Application,
    Degree,
    Enrollment,
    ExtensionRequest,
    Invoice,
    License,
    Organization,
    ParticipantProfile,
    Payment,
    PaymentMethod,
    Phase,
    PhaseRule,
    ProgramPolicy,
    TransitionRequest,
    Waiver,
)


class PhaseRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhaseRule
        fields = [
            "phase",
            "term_months",
            "free_extension_months",
            "continuation_fee",
            "continuation_months",
            "fee",
            "tokens_unlimited",
            "tokens_per_year",
            "extensions_allowed",
        ]


class PolicySerializer(serializers.ModelSerializer):
    phase_rules = PhaseRuleSerializer(many=True, read_only=True)

    class Meta:
        model = ProgramPolicy
        fields = [
            "id",
            "name",
            "effective_from",
            "is_active",
            "notes",
            "lapse_threshold_months",
            "maintenance_start_window_months",
            "reminder_days",
            "behind_schedule_margin_percent",
            "tokens_expire_at_year_end",
            "maintenance_reports_after_phase1",
            "maintenance_reports_after_phase2",
            "site_certification_threshold",
            "phase_rules",
        ]


class OrganizationSerializer(serializers.ModelSerializer):
    clinician_count = serializers.IntegerField(read_only=True)
    site_candidate = serializers.BooleanField(read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "city", "country", "clinician_count", "site_candidate"]


class DegreeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Degree
        fields = ["level", "field", "institution", "year"]


class LicenseSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField(
        help_text="Full to its owner and staff, masked to anyone else."
    )

    class Meta:
        model = License
        fields = ["license_type", "number", "jurisdiction", "expires_on"]

    def get_number(self, obj: License) -> str:
        viewer = self.context.get("viewer")
        if viewer is not None and (viewer.pk == obj.profile.user_id or is_staff_member(viewer)):
            return obj.number
        return obj.masked_number


class ProfileSerializer(serializers.ModelSerializer):
    degrees = DegreeSerializer(many=True, read_only=True)
    licenses = LicenseSerializer(many=True, read_only=True)
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = ParticipantProfile
        fields = [
            "legal_name",
            "organization",
            "currently_practicing",
            "populations_served",
            "practice_setting",
            "prior_case_based_series",
            "degrees",
            "licenses",
        ]


class EnrollmentSerializer(serializers.ModelSerializer):
    participant_email = serializers.EmailField(source="participant.email", read_only=True)
    policy = serializers.CharField(source="policy.name", read_only=True)
    current_end = serializers.DateField(read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "participant",
            "participant_email",
            "phase",
            "status",
            "policy",
            "start_date",
            "term_end",
            "free_extension_months",
            "extension_end",
            "continuations",
            "paid_through",
            "current_end",
            "completed_on",
            "ended_on",
            "year_number",
            "previous",
            "prerequisite_required",
            "imported",
        ]


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    time_zone = serializers.CharField()
    profile = serializers.SerializerMethodField()

    def get_profile(self, obj: Any) -> dict[str, Any] | None:
        try:
            profile = obj.profile
        except ParticipantProfile.DoesNotExist:
            return None
        return ProfileSerializer(profile, context=self.context).data


class ApplicationSerializer(serializers.ModelSerializer):
    participant_email = serializers.EmailField(source="participant.email", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "participant",
            "participant_email",
            "status",
            "submitted_at",
            "agreed_to_policy_at",
            "eligibility",
            "prerequisite_required",
            "info_request",
            "decided_at",
            "decision_reason",
            "enrollment",
        ]


class LicenseInSerializer(serializers.Serializer):
    license_type = serializers.CharField(max_length=100)
    number = serializers.CharField(max_length=100)
    jurisdiction = serializers.CharField(max_length=100)
    expires_on = serializers.DateField()


class ApplicationSubmitSerializer(serializers.Serializer):
    legal_name = serializers.CharField(max_length=200)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    organization_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    currently_practicing = serializers.BooleanField()
    populations_served = serializers.ListField(
        child=serializers.ChoiceField(choices=ParticipantProfile.Population.choices), allow_empty=True
    )
    practice_setting = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    prior_case_based_series = serializers.BooleanField()
    agreed_to_policy = serializers.BooleanField()
    degrees = DegreeSerializer(many=True)
    licenses = LicenseInSerializer(many=True)


class ProfileInSerializer(ApplicationSubmitSerializer):
    agreed_to_policy = None  # type: ignore[assignment]


class DecisionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000)


class StartDateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False, allow_null=True, help_text="Blank: today.")


class TransitionRequestSerializer(serializers.ModelSerializer):
    participant = serializers.IntegerField(source="enrollment.participant_id", read_only=True)
    from_phase = serializers.CharField(source="enrollment.phase", read_only=True)

    class Meta:
        model = TransitionRequest
        fields = [
            "id",
            "enrollment",
            "participant",
            "from_phase",
            "to_phase",
            "status",
            "reason",
            "requested_at",
            "decided_at",
            "decision_reason",
            "new_enrollment",
        ]


class TransitionRequestInSerializer(serializers.Serializer):
    to_phase = serializers.ChoiceField(choices=Phase.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ExtensionRequestSerializer(serializers.ModelSerializer):
    participant = serializers.IntegerField(source="enrollment.participant_id", read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "enrollment",
            "participant",
            "months",
            "reason",
            "status",
            "requested_at",
            "decided_at",
            "decision_reason",
            "months_granted",
        ]


class MonthsReasonSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=60)
    reason = serializers.CharField(max_length=2000)


class GrantSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=60, required=False, allow_null=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ContinuationSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(help_text="The paid (or waived) continuation fee invoice.")


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "invoice", "amount", "paid_on", "method", "reference", "recorded_at"]


class WaiverSerializer(serializers.ModelSerializer):
    class Meta:
        model = Waiver
        fields = ["id", "invoice", "amount", "reason", "at"]


class InvoiceSerializer(serializers.ModelSerializer):
    payments = PaymentSerializer(many=True, read_only=True)
    waivers = WaiverSerializer(many=True, read_only=True)
    paid = serializers.DecimalField(max_digits=11, decimal_places=2, read_only=True)
    waived = serializers.DecimalField(max_digits=11, decimal_places=2, read_only=True)
    balance = serializers.DecimalField(max_digits=11, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "participant",
            "enrollment",
            "kind",
            "amount",
            "description",
            "issued_on",
            "due_on",
            "paid",
            "waived",
            "balance",
            "settled_on",
            "payments",
            "waivers",
        ]


class InvoiceInSerializer(serializers.Serializer):
    participant = serializers.IntegerField()
    enrollment = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.CharField()
    amount = serializers.CharField(help_text="US dollars, e.g. 250.00")
    description = serializers.CharField(max_length=300)
    issued_on = serializers.DateField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)


class PaymentInSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="US dollars, e.g. 250.00")
    paid_on = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WaiverInSerializer(serializers.Serializer):
    amount = serializers.CharField()
    reason = serializers.CharField(max_length=2000)


class ImportInSerializer(serializers.Serializer):
    csv = serializers.CharField(
        required=False, allow_blank=True, help_text="The CSV text (or upload `file`)."
    )
    file = serializers.FileField(required=False)
    dry_run = serializers.BooleanField(default=True)


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField()
    phase = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    start_date = serializers.CharField()
    term_end = serializers.CharField()
    new_participant = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class ImportResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    committed = serializers.BooleanField()
    row_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    file_errors = serializers.ListField(child=serializers.CharField())
    rows = ImportRowSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    current = EnrollmentSerializer(allow_null=True)
    enrollments = EnrollmentSerializer(many=True)
    application = ApplicationSerializer(allow_null=True)
    invoices = InvoiceSerializer(many=True)
    balance = serializers.DecimalField(max_digits=11, decimal_places=2)
    next_steps = serializers.ListField(child=serializers.CharField())
