"""The user's own data: see and correct it, download all of it, delete the account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import SMS_LIMITED
from accounts.models import User
from accounts.reauth import sms_reauth_code_send
from accounts.views import set_language_cookie
from counties.models import LearnerProfile
from practice.selectors import learner_results

from .forms import DeleteAccountForm, ProfileForm
from .services import user_data_export, user_delete_account, user_profile_update


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """Edit name, mobile, county, school and its kind, language and reminder preferences."""
    # A copy: an invalid form must not leave its values on request.user (the page's header).
    user = User.objects.get(pk=request.user.pk)
    learner_profile = LearnerProfile.objects.filter(user=user).select_related("county").first()
    form = ProfileForm(
        request.POST if request.method == "POST" else None, instance=user, profile=learner_profile
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            user_profile_update(
                user=user,
                name=data["name"],
                mobile=data["mobile"],
                preferred_language=data["preferred_language"],
                remind_by_email=data["remind_by_email"],
                remind_by_sms=data["remind_by_sms"],
                county=data["county"],
                school=data["school"],
                school_type=data["school_type"],
            )
        except IntegrityError:
            form.add_error("mobile", ProfileForm._meta.error_messages["mobile"]["unique"])
        else:
            translation.activate(user.preferred_language)
            messages.success(request, _("Your profile is saved."))
            response = redirect("privacy:profile")
            set_language_cookie(response, user.preferred_language)
            return response
    context = {
        "form": form,
        "learner_profile": learner_profile,
        # Evidence of practical skill the learner can point employers to (2 queries).
        "practice_results": learner_results(user=user),
    }
    return render(request, "privacy/profile.html", context)


@login_required
@require_GET
def data_export(request):
    """All my data as a JSON download."""
    document = user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="talent-portal-my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    """Confirm with the password (or, without one, an SMS code), then remove the personal data
    and log out."""
    if request.method == "POST" and "send_code" in request.POST:
        if sms_reauth_code_send(request, user=request.user):
            messages.info(request, _("We sent a code to your mobile number."))
        else:
            messages.error(request, SMS_LIMITED)
        return redirect("privacy:delete")
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None, user=request.user, request=request
    )
    if form.is_bound and form.is_valid():
        user_delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Your personal data has been removed."))
        return redirect("home")
    return render(request, "privacy/delete.html", {"form": form})
