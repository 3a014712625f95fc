"""Input validation for the search page's and the history's forms."""

from __future__ import annotations

from typing import Any

from django import forms

from transcripts.models import MAX_TAG_CHARS, MAX_TITLE_CHARS
from transcripts.selectors import HistoryFilters
from transcripts.text import one_line

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
SOURCE_CHOICES = [("", "Live and uploads"), ("live", "Live recordings"), ("upload", "Uploads")]


class DateRangeForm(forms.Form):
    """From and to dates (local days), the first not after the second."""

    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned


class SearchForm(DateRangeForm):
    """What to search for, and where."""

    q = forms.CharField(label="Search", required=False, strip=True)
    source = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=SOURCE_CHOICES,
    )

    def clean_q(self) -> str:
        """What to search for, cleaned like every text people send (transcripts/text.py)."""
        return one_line(self.cleaned_data["q"])


class HistoryForm(DateRangeForm):
    """The history's tabs and filters; `view` is all, mine, shared or team-<id>."""

    # Free text arrives cleaned and shortened by the view: a filter box never fails.
    q = forms.CharField(label="Title", required=False)
    view = forms.CharField(required=False)
    owner = forms.CharField(label="Owner", required=False)
    tag = forms.CharField(label="Tag", required=False)
    source = forms.ChoiceField(label="Kind", required=False, choices=SOURCE_CHOICES)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("date", "Newest first"), ("title", "Title")],
    )

    def __init__(self, *args: Any, team_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team_ids = team_ids

    def clean_q(self) -> str:
        return one_line(self.cleaned_data["q"])[:MAX_TITLE_CHARS]

    def clean_owner(self) -> str:
        return one_line(self.cleaned_data["owner"])

    def clean_tag(self) -> str:
        return one_line(self.cleaned_data["tag"]).lower()[:MAX_TAG_CHARS]

    def clean_view(self) -> str:
        view = self.cleaned_data["view"] or "all"
        if view in ("all", "mine", "shared"):
            return view
        number = view.removeprefix("team-")
        if number.isdigit() and int(number) in self.team_ids:
            return view
        raise forms.ValidationError("Choose one of the tabs: that team is not one of yours.")

    def filters(self) -> HistoryFilters:
        """The valid form as the selector's filters."""
        data = self.cleaned_data
        view = data["view"]
        return HistoryFilters(
            title=data["q"],
            scope="team" if view.startswith("team-") else view,
            team_id=int(view.removeprefix("team-")) if view.startswith("team-") else None,
            owner=data["owner"],
            tag=data["tag"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            source=data["source"],
            sort=data["sort"] or "date",
        )
