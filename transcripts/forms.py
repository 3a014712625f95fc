"""Input validation for the search page's form."""

from __future__ import annotations

from django import forms

from transcripts.text import one_line

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

    def clean_q(self) -> str:
        """What to search for, cleaned like every text people send (transcripts/text.py)."""
        return one_line(self.cleaned_data["q"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned
