from __future__ import annotations

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("<id:endpoint_id>/", views.endpoint_detail, name="endpoint_detail"),
    path("<id:endpoint_id>/events/", views.endpoint_events, name="endpoint_events"),
    path("<id:endpoint_id>/enable/", views.endpoint_enable, name="endpoint_enable"),
    path("<id:endpoint_id>/disable/", views.endpoint_disable, name="endpoint_disable"),
    path("<id:endpoint_id>/test/", views.endpoint_test, name="endpoint_test"),
    path("<id:endpoint_id>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(
        "<id:endpoint_id>/deliveries/<id:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
