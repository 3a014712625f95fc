"""The audit log's filters, each checked: a bad value is a message on the page."""

from __future__ import annotations

from datetime import date

from django import forms

from audit.models import AuditEntry
from audit.selectors import AuditFilters

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
MAX_ID = 2**63 - 1
MAX_NAME_CHARS = 150
# Days a time zone can turn into a UTC moment without leaving the calendar's years.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)


class AuditFilterForm(forms.Form):
    """Action, person, recording id, IP address and a range of days."""

    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditEntry.Action.choices]
    )
    person = forms.CharField(
        label="Person", required=False, max_length=MAX_NAME_CHARS,
        widget=forms.TextInput(attrs={"placeholder": "User name", "autocomplete": "off"}),
    )  # fmt: skip
    recording = forms.IntegerField(
        label="Recording id", required=False, min_value=1, max_value=MAX_ID,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    ip = forms.GenericIPAddressField(
        label="IP address", required=False, unpack_ipv4=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )  # fmt: skip
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def clean_date_from(self) -> date | None:
        return self._within_calendar(self.cleaned_data["date_from"])

    def clean_date_to(self) -> date | None:
        return self._within_calendar(self.cleaned_data["date_to"])

    @staticmethod
    def _within_calendar(day: date | None) -> date | None:
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError("Choose a day from 1900 to 9999.")
        return day

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned

    def filters(self) -> AuditFilters:
        """The valid form as the selector's filters."""
        data = self.cleaned_data
        return AuditFilters(
            action=data["action"],
            person=data["person"],
            recording_id=data["recording"],
            ip=data["ip"] or "",
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
