from __future__ import annotations

from django.urls import path

from transcripts import views
from transcripts.history import views as history_views
from transcripts.jobs import hooks
from transcripts.marks import views as mark_views
from transcripts.retention import views as retention_views
from transcripts.search import views as search_views
from transcripts.sharing import views as sharing_views
from transcripts.uploads import views as upload_views
from transcripts.words import views as word_views

app_name = "transcripts"

urlpatterns = [
    path("record/", views.record, name="record"),
    path("recordings/", views.recording_list, name="recording_list"),
    path("recordings/<id:recording_id>/", views.recording_detail, name="recording_detail"),
    path("recordings/<id:recording_id>/cancel/", views.recording_cancel, name="recording_cancel"),
    path("recordings/<id:recording_id>/retry/", views.recording_retry, name="recording_retry"),
    path("recordings/<id:recording_id>/refine/", views.recording_refine, name="recording_refine"),
    path("recordings/<id:recording_id>/draft/", views.recording_draft, name="recording_draft"),
    path("recordings/<id:recording_id>/audio/", views.recording_audio, name="recording_audio"),
    path("recordings/<id:recording_id>/rename/", views.recording_rename, name="recording_rename"),
    path("recordings/<id:recording_id>/delete/", views.recording_delete, name="recording_delete"),
    path(
        "recordings/<id:recording_id>/segments/<index:index>/",
        views.segment_update,
        name="segment_update",
    ),
    path(
        "recordings/<id:recording_id>/segments/<index:index>/words/<index:word>/accept/",
        word_views.word_accept,
        name="word_accept",
    ),
    path(
        "recordings/<id:recording_id>/speakers/<speaker:speaker>/",
        views.speaker_update,
        name="speaker_update",
    ),
    path(
        "recordings/<id:recording_id>/export/<str:kind>/",
        views.recording_export,
        name="recording_export",
    ),
    path("recordings/status/", upload_views.recording_status, name="recording_status"),
    path("upload/", views.upload, name="upload"),
    path("hooks/deepgram/<id:job_id>/", hooks.deepgram_hook, name="deepgram_hook"),
    path("search/", search_views.search_page, name="search"),
    path("upload/files/", upload_views.upload_start, name="upload_start"),
    path("upload/url/", upload_views.url_import, name="url_import"),
    path("upload/files/<uuid:token>/", upload_views.upload_piece, name="upload_piece"),
    path(
        "recordings/<id:recording_id>/share/",
        sharing_views.recording_share,
        name="recording_share",
    ),
    path(
        "recordings/<id:recording_id>/unshare/",
        sharing_views.recording_unshare,
        name="recording_unshare",
    ),
    path(
        "recordings/<id:recording_id>/shares/",
        sharing_views.recording_share_add,
        name="recording_share_add",
    ),
    path(
        "recordings/<id:recording_id>/shares/<id:share_id>/",
        sharing_views.recording_share_change,
        name="recording_share_change",
    ),
    path(
        "recordings/<id:recording_id>/viewer-exports/",
        sharing_views.recording_viewer_exports,
        name="recording_viewer_exports",
    ),
    path(
        "recordings/<id:recording_id>/live/",
        sharing_views.recording_follow,
        name="recording_follow",
    ),
    path("recordings/<id:recording_id>/tags/", views.recording_tags, name="recording_tags"),
    path("recordings/<id:recording_id>/marks/", mark_views.mark_create, name="mark_create"),
    path(
        "recordings/<id:recording_id>/marks/<id:mark_id>/note/",
        mark_views.mark_note,
        name="mark_note",
    ),
    path(
        "recordings/<id:recording_id>/marks/<id:mark_id>/done/",
        mark_views.mark_done,
        name="mark_done",
    ),
    path(
        "recordings/<id:recording_id>/marks/<id:mark_id>/remove/",
        mark_views.mark_remove,
        name="mark_remove",
    ),
    path(
        "recordings/<id:recording_id>/hold/",
        retention_views.recording_hold,
        name="recording_hold",
    ),
    path(
        "recordings/<id:recording_id>/history/",
        history_views.history_list,
        name="recording_history",
    ),
    path(
        "recordings/<id:recording_id>/history/<uuid:version>/",
        history_views.history_version,
        name="history_version",
    ),
    path(
        "recordings/<id:recording_id>/history/<uuid:version>/restore/",
        history_views.history_restore,
        name="history_restore",
    ),
    path("watch/<str:token>/", sharing_views.watch, name="watch"),
]
