from django.urls import path

from . import disqualification_views, import_views, note_views, views

app_name = "credits"

urlpatterns = [
    # Partner side.
    path("company/credits/", views.partner_credits, name="partner-credits"),
    path("company/credit-notes/<int:pk>/pdf/", note_views.partner_note_pdf, name="note-pdf"),
    path("company/credit-notes/<int:pk>/xml/", note_views.partner_note_xml, name="note-xml"),
    # Staff: billing import and service groups.
    path("staff/billing/", import_views.billing, name="staff-billing"),
    path("staff/billing/<int:pk>/", import_views.billing_import, name="staff-billing-import"),
    path(
        "staff/billing/<int:pk>/progress.json",
        import_views.billing_progress,
        name="staff-billing-progress",
    ),
    path(
        "staff/billing/<int:pk>/restart/",
        import_views.billing_restart,
        name="staff-billing-restart",
    ),
    path("staff/service-groups/", import_views.service_groups, name="staff-service-groups"),
    # Staff: credit lines and eligibility.
    path("staff/credits/", views.staff_credits, name="staff-credits"),
    path(
        "staff/credits/customers/<str:tenant_id>/",
        views.staff_customer_history,
        name="staff-customer-history",
    ),
    # Staff: credit notes.
    path("staff/credit-notes/", note_views.staff_notes, name="staff-notes"),
    path("staff/credit-notes/export.csv", note_views.staff_notes_csv, name="staff-notes-csv"),
    path("staff/credit-notes/<int:pk>/pdf/", note_views.staff_note_pdf, name="staff-note-pdf"),
    path("staff/credit-notes/<int:pk>/xml/", note_views.staff_note_xml, name="staff-note-xml"),
    # Staff: disqualification (points revoked by challenges, money settled here).
    path(
        "staff/partners/<int:pk>/disqualify/",
        disqualification_views.partner_disqualify,
        name="staff-disqualify",
    ),
]
