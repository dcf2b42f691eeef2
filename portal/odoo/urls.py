"""URLs of the Odoo gateway's own pages (mounted at /odoo/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from portal.odoo import views_ops, views_sync, webhooks

app_name = "odoo"

urlpatterns: list[URLPattern | URLResolver] = [
    # Gateway helper: the read mirror's sync status.
    path("sync/", views_sync.sync_status, name="sync_status"),
    # Outbox helper: operations pages (outbox, dead letters, webhooks, reconciliation).
    path("ops/", views_ops.outbox, name="ops_outbox"),
    path("ops/resume/", views_ops.resume, name="ops_resume"),
    path("ops/<int:pk>/", views_ops.outbox_row, name="ops_outbox_row"),
    path("ops/<int:pk>/retry/", views_ops.retry, name="ops_retry"),
    path("ops/<int:pk>/resolve/", views_ops.resolve, name="ops_resolve"),
    path("webhooks/", views_ops.webhooks, name="ops_webhooks"),
    path("webhook-integrations/<int:pk>/rotate/", views_ops.rotate, name="ops_webhook_rotate"),
    path("reconcile/", views_ops.reconciliation, name="ops_reconcile"),
    path("reconcile/<int:pk>/<str:action>/", views_ops.drift_fix, name="ops_drift_fix"),
    # The public endpoint Odoo automation rules call: its shape must never change.
    path("webhooks/<slug:slug>/<str:secret>/", webhooks.receive, name="webhook"),
]
