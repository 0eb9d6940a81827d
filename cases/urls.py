from django.urls import path

from cases import kinds
from cases.views import clerk, guides, ladder, notices, officer, offline, people

app_name = "cases"
urlpatterns = [
    path("clerk/", clerk.clerk_home, name="clerk-home"),
    path("clerk/new/<str:kind>/", clerk.intake, name="intake"),
    path("clerk/offline/", offline.outbox, name="offline"),
    path("clerk/offline/new/<str:kind>/", offline.capture, name="offline-capture"),
    path("clerk/offline/key/", offline.key, name="offline-key"),
    path("clerk/offline/file/<str:kind>/", offline.file, name="offline-file"),
    path("bundles/<str:code>/", clerk.bundle_detail, name="bundle"),
    path("bundles/<str:code>/receipt.pdf", clerk.bundle_receipt, name="receipt"),
    path("bundles/<str:code>/supplement-request.pdf", clerk.bundle_supplement_request, name="supplement-request"),
    path("bundles/<str:code>/refusal.pdf", clerk.bundle_refusal, name="refusal"),
    path("bundles/<str:code>/notes/", clerk.bundle_note, name="bundle-note"),
    path("bundles/<str:code>/<str:action>/", clerk.bundle_act, name="bundle-act"),
    path("attachments/<int:pk>/", clerk.attachment_file, name="attachment"),
    path("guides/", guides.guide_index, name="guides"),
    path("guides/<str:kind>/<int:variant>/", guides.guide, name="guide"),
    path("guides/<str:kind>/<int:variant>/guide.pdf", guides.guide_pdf, name="guide-pdf"),
    path("guides/<str:kind>/<int:variant>/<slug:category>/", guides.guide, name="guide-category"),
    path("guides/<str:kind>/<int:variant>/<slug:category>/guide.pdf", guides.guide_pdf, name="guide-category-pdf"),
    path("people/", people.person_page, name="person"),
    path("people/intake-hint/", people.intake_hint, name="person-hint"),
    path("notices/", notices.notices, name="notices"),
    path("queue/", officer.queue, name="queue"),
    path("queue/history/", officer.history, name="history"),
    path("queue/<int:pk>/<str:action>/", officer.queue_act, name="queue-act"),
    path("ladder/", ladder.ladder_page, name="ladder"),
    path("ladder/<int:pk>/reassign/", ladder.ladder_reassign, name="ladder-reassign"),
    path("steps/<int:pk>/", officer.step_detail, name="step"),
    path("steps/<int:pk>/apology.pdf", officer.step_apology, name="apology"),
    path("steps/<int:pk>/supplement-request.pdf", officer.step_supplement_request, name="step-supplement-request"),
    path("steps/<int:pk>/refusal.pdf", officer.step_refusal, name="step-refusal"),
    path("steps/<int:pk>/extract.pdf", officer.step_extract, name="step-extract"),
    path("steps/<int:pk>/notes/", officer.step_note, name="step-note"),
    path("steps/<int:pk>/<str:action>/", officer.step_act, name="step-act"),
    # Each kind's own part of the intake page (say, questions that decide its category), by HTMX.
    *(
        path(f"clerk/{kind.intake_path}/", clerk.intake_part, {"kind": kind.code}, name=f"intake-part-{kind.code}")
        for kind in kinds.registered()
        if kind.intake_path
    ),
]
