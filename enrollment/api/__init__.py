"""API routes of the Enrollment app, mounted under /api/v1/ (names in the "api" namespace)."""

from django.urls import URLPattern, URLResolver, path

from . import views as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("certification/", v.my_certification, name="enrollment-my-certification"),
    path("policies/", v.PolicyList.as_view(), name="enrollment-policy-list"),
    path("policies/<int:pk>/", v.PolicyDetail.as_view(), name="enrollment-policy-detail"),
    path("organizations/", v.OrganizationList.as_view(), name="enrollment-organization-list"),
    path("participants/", v.ParticipantList.as_view(), name="enrollment-participant-list"),
    path("participants/<int:pk>/", v.participant_detail, name="enrollment-participant-detail"),
    path("participants/<int:pk>/profile/", v.participant_profile, name="enrollment-participant-profile"),
    path("applications/", v.ApplicationList.as_view(), name="enrollment-application-list"),
    path("applications/<int:pk>/", v.application_detail, name="enrollment-application-detail"),
    path("applications/<int:pk>/approve/", v.application_approve, name="enrollment-application-approve"),
    path("applications/<int:pk>/reject/", v.application_reject, name="enrollment-application-reject"),
    path(
        "applications/<int:pk>/request-info/",
        v.application_request_info,
        name="enrollment-application-request-info",
    ),
    path("enrollments/", v.EnrollmentList.as_view(), name="enrollment-list"),
    path("enrollments/<int:pk>/", v.enrollment_detail, name="enrollment-detail"),
    path(
        "enrollments/<int:pk>/transition-requests/",
        v.enrollment_request_transition,
        name="enrollment-request-transition",
    ),
    path(
        "enrollments/<int:pk>/extension-requests/",
        v.enrollment_request_extension,
        name="enrollment-request-extension",
    ),
    path("enrollments/<int:pk>/extend/", v.enrollment_extend, name="enrollment-extend"),
    path("enrollments/<int:pk>/continuation/", v.enrollment_continuation, name="enrollment-continuation"),
    path(
        "enrollments/<int:pk>/continuation-fee/",
        v.enrollment_continuation_fee,
        name="enrollment-continuation-fee",
    ),
    path("enrollments/<int:pk>/withdraw/", v.enrollment_withdraw, name="enrollment-withdraw"),
    path("transition-requests/", v.TransitionRequestList.as_view(), name="enrollment-transition-list"),
    path("transition-requests/<int:pk>/approve/", v.transition_approve, name="enrollment-transition-approve"),
    path("transition-requests/<int:pk>/refuse/", v.transition_refuse, name="enrollment-transition-refuse"),
    path("extension-requests/", v.ExtensionRequestList.as_view(), name="enrollment-extension-request-list"),
    path(
        "extension-requests/<int:pk>/grant/",
        v.extension_request_grant,
        name="enrollment-extension-request-grant",
    ),
    path(
        "extension-requests/<int:pk>/refuse/",
        v.extension_request_refuse,
        name="enrollment-extension-request-refuse",
    ),
    path("invoices/", v.InvoiceList.as_view(), name="enrollment-invoice-list"),
    path("invoices/<int:pk>/", v.invoice_detail, name="enrollment-invoice-detail"),
    path("invoices/<int:pk>/payments/", v.invoice_payments, name="enrollment-invoice-payments"),
    path("invoices/<int:pk>/waivers/", v.invoice_waive, name="enrollment-invoice-waive"),
    path("imports/", v.import_records, name="enrollment-import"),
]
