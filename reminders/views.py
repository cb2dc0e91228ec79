"""One-click unsubscribe from reminders, from a signed link in every email and SMS."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from .services import read_unsubscribe_token, reminder_unsubscribe


@csrf_exempt  # mail clients POST here (RFC 8058 one-click); the signed token is the authority
def unsubscribe(request, token: str):
    """GET shows a confirmation button (link scanners must not unsubscribe anyone); POST stops
    the channel the token names. No login needed: the token is signed for one learner."""
    data = read_unsubscribe_token(token)
    if data is None:
        raise Http404
    user_id, channel = data
    done = False
    if request.method == "POST":
        if not reminder_unsubscribe(user_id=user_id, channel=channel):
            raise Http404
        done = True
    return render(request, "reminders/unsubscribe.html", {"channel": channel, "done": done})
