from django.urls import URLPattern, URLResolver, path

from .views import imports, participant, staff

app_name = "enrollment"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", participant.my_certification, name="my_certification"),
    path("apply/", participant.apply, name="apply"),
    path("profile/", participant.profile, name="profile"),
    path("enrollments/<int:pk>/move-on/", participant.request_transition, name="request_transition"),
    path("enrollments/<int:pk>/more-time/", participant.request_extension, name="request_extension"),
    path("staff/applications/", staff.applications, name="staff_applications"),
    path("staff/applications/<int:pk>/", staff.application_detail, name="staff_application"),
    path("staff/applications/<int:pk>/approve/", staff.application_approve, name="staff_application_approve"),
    path("staff/applications/<int:pk>/reject/", staff.application_reject, name="staff_application_reject"),
    path(
        "staff/applications/<int:pk>/request-info/",
        staff.application_request_info,
        name="staff_application_request_info",
    ),
    path("staff/participants/", staff.participants, name="staff_participants"),
    path("staff/participants/<int:pk>/", staff.participant_detail, name="staff_participant"),
    path("staff/participants/<int:pk>/invoices/", staff.invoice_issue, name="staff_invoice_issue"),
    path("staff/invoices/<int:pk>/payments/", staff.payment_record, name="staff_payment_record"),
    path("staff/invoices/<int:pk>/waive/", staff.invoice_waive, name="staff_invoice_waive"),
    path("staff/enrollments/<int:pk>/extend/", staff.extension_grant, name="staff_extension_grant"),
    path(
        "staff/enrollments/<int:pk>/continuation-fee/",
        staff.continuation_invoice,
        name="staff_continuation_invoice",
    ),
    path(
        "staff/enrollments/<int:pk>/continuation/",
        staff.continuation_record,
        name="staff_continuation_record",
    ),
    path("staff/enrollments/<int:pk>/withdraw/", staff.enrollment_withdraw, name="staff_enrollment_withdraw"),
    path("staff/transitions/", staff.transitions, name="staff_transitions"),
    path("staff/transitions/<int:pk>/approve/", staff.transition_approve, name="staff_transition_approve"),
    path("staff/transitions/<int:pk>/refuse/", staff.transition_refuse, name="staff_transition_refuse"),
    path("staff/extensions/", staff.extensions, name="staff_extensions"),
    path(
        "staff/extensions/<int:pk>/grant/",
        staff.extension_request_grant,
        name="staff_extension_request_grant",
    ),
    path(
        "staff/extensions/<int:pk>/refuse/",
        staff.extension_request_refuse,
        name="staff_extension_request_refuse",
    ),
    path("staff/organizations/", staff.organizations, name="staff_organizations"),
    path("staff/import/", imports.import_upload, name="staff_import"),
    path("staff/import/<int:pk>/", imports.import_batch, name="staff_import_batch"),
    path("staff/import/<int:pk>/commit/", imports.import_batch_commit, name="staff_import_commit"),
]
