"""Sign-up; log-in and log-out are Django's own views."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import SignupForm
from accounts.throttling import retry_message, signups_used_up


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Let a newcomer create an account, unless sign-up is switched off or too frequent."""
    if not settings.SIGNUP_ENABLED:
        return render(request, "accounts/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if signups_used_up(request):
        return _too_many_signups(request, form)
    if request.method == "POST" and form.is_valid():
        user = services.user_signup(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        signups_used_up(request, count_this_one=True)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})


def _too_many_signups(request: HttpRequest, form: SignupForm) -> HttpResponse:
    """The sign-up page, refused for a while: this address created accounts too often."""
    wait = timedelta(minutes=settings.SIGNUP_PERIOD_MINUTES)  # at most: windows are fixed
    message = retry_message("Too many accounts were created from your network.", wait)
    context = {"form": form, "limited": message}
    page = render(request, "accounts/signup.html", context, status=429)
    page["Retry-After"] = str(int(wait.total_seconds()))
    return page
