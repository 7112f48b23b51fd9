from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("moeder/", views.meeting_list, name="meeting_list"),
    path("moeder/nyt/", views.meeting_create, name="meeting_create"),
    path("moeder/tidligere/", views.meeting_archive, name="meeting_archive"),
    path("moeder/fora/", views.forum_list, name="forum_list"),
    path("moeder/fora/nyt/", views.forum_edit, name="forum_create"),
    path("moeder/fora/<int:pk>/", views.forum_edit, name="forum_edit"),
    path("moeder/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("moeder/<int:pk>/rediger/", views.meeting_edit, name="meeting_edit"),
    path("moeder/<int:pk>/kalender.ics", views.meeting_ics, name="meeting_ics"),
    path("moeder/<int:pk>/dagsorden/pdf/", views.agenda_pdf, name="agenda_pdf"),
    path("moeder/<int:pk>/moedemappe/pdf/", views.meeting_pack, name="meeting_pack"),
    path("moeder/<int:pk>/aflys/", views.meeting_cancel, name="meeting_cancel"),
    path("moeder/<int:pk>/punkter/nyt/", views.item_edit, name="item_create"),
    path("moeder/<int:pk>/punkter/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("moeder/<int:pk>/punkter/<int:item_pk>/slet/", views.item_delete, name="item_delete"),
    path("moeder/<int:pk>/punkter/<int:item_pk>/flyt/", views.item_move, name="item_move"),
    path("moeder/<int:pk>/kopier/", views.meeting_copy, name="meeting_copy"),
    path("moeder/<int:pk>/skabelon/", views.forum_template, name="forum_template"),
    path("moeder/<int:pk>/paamind/", views.send_reminders, name="send_reminders"),
    path(
        "moeder/<int:pk>/punkter/<int:item_pk>/bilag/", views.attachment_add, name="attachment_add"
    ),
    path(
        "moeder/<int:pk>/bilag/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "moeder/<int:pk>/bilag/<int:attachment_pk>/slet/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("moeder/<int:pk>/inviter/", views.invite, name="invite"),
    path(
        "moeder/<int:pk>/invitationer/<int:invitation_pk>/fjern/",
        views.invitation_remove,
        name="invitation_remove",
    ),
    path("moeder/<int:pk>/send-invitationer/", views.send_invitations, name="send_invitations"),
    path("moeder/<int:pk>/send-igen/", views.mail_resend, name="mail_resend"),
    path("moeder/<int:pk>/svar/", views.answer, name="answer"),
    path("moeder/<int:pk>/fremmoede/", views.attendance, name="attendance"),
    path("moeder/<int:pk>/referat/", views.minutes_detail, name="minutes_detail"),
    path("moeder/<int:pk>/referat/skriv/", views.minutes_edit, name="minutes_edit"),
    path("moeder/<int:pk>/referat/<int:minutes_pk>/", views.minutes_detail, name="minutes_version"),
    path("moeder/<int:pk>/referat/<int:minutes_pk>/send/", views.minutes_send, name="minutes_send"),
    path(
        "moeder/<int:pk>/referat/<int:minutes_pk>/godkend/",
        views.minutes_approve,
        name="minutes_approve",
    ),
    path("moeder/<int:pk>/referat/<int:minutes_pk>/pdf/", views.minutes_pdf, name="minutes_pdf"),
    path(
        "moeder/<int:pk>/referat/<int:minutes_pk>/ret/",
        views.minutes_correct,
        name="minutes_correct",
    ),
    path(
        "moeder/<int:pk>/referat/<int:minutes_pk>/punkter/<int:entry_pk>/kommentar/",
        views.minutes_comment,
        name="minutes_comment",
    ),
    path("moeder/<int:pk>/referat/start/", views.minutes_start, name="minutes_start"),
    path(
        "moeder/<int:pk>/referat/<int:minutes_pk>/godkend-som-deltager/",
        views.minutes_sign,
        name="minutes_sign",
    ),
    path(
        "moeder/<int:pk>/referat/<int:minutes_pk>/kommentarer/<int:comment_pk>/behandlet/",
        views.comment_handled,
        name="comment_handled",
    ),
    path("moeder/<int:pk>/fremmoede/andre/", views.attendee_add, name="attendee_add"),
    path(
        "moeder/<int:pk>/fremmoede/andre/<int:attendee_pk>/fjern/",
        views.attendee_remove,
        name="attendee_remove",
    ),
    path("moeder/<int:pk>/fremmoede/fravaer/", views.absence, name="absence"),
    path("moeder/fora/<int:pk>/beslutninger/", views.decision_log, name="decision_log"),
    path("moeder/handlinger/<int:action_pk>/status/", views.action_status, name="action_status"),
    path("kalender/", views.calendar_settings, name="calendar_settings"),
    path("kalender/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
