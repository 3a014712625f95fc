"""Account forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    """A username, an optional e-mail address and a password typed twice."""

    email = forms.EmailField(
        required=False,
        help_text="Optional. Used only to help an administrator identify you.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
