"""Input validation for uploads."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from transcripts.protocol import LANGUAGE_PATTERN, MAX_TITLE_CHARS


class UploadStartForm(forms.Form):
    """The browser announcing one file: what it is called, how big, how to transcribe it."""

    filename = forms.CharField(max_length=1000)
    size = forms.IntegerField(min_value=0)
    title = forms.CharField(max_length=MAX_TITLE_CHARS, required=False)
    language = forms.CharField(
        max_length=35,
        required=False,
        validators=[
            RegexValidator(LANGUAGE_PATTERN, "Choose a language such as en, en-GB or multi.")
        ],
    )
    diarize = forms.BooleanField(required=False)

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or settings.DEFAULT_LANGUAGE

    def first_error(self) -> str:
        """One message for the page, naming the field."""
        field, errors = next(iter(self.errors.items()))
        return str(errors[0]) if field == "__all__" else f"{field}: {errors[0]}"


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class SearchForm(forms.Form):
    """What to search for, and where."""

    q = forms.CharField(label="Search", required=False, strip=True)
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)
    source = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Live and uploads"), ("live", "Live recordings"), ("upload", "Uploads")],
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned
