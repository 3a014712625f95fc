"""The audit log's pages, for staff (mounted at /audit/)."""

from __future__ import annotations

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log, name="log"),
    path("log.csv", views.audit_csv, name="csv"),
]
