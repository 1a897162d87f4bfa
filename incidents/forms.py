"""Admin forms that run the services' rules in clean(), so a broken rule is a field message.

The services check the same rules again when the row is written; running them
here first lets the admin redisplay the form with what the user typed instead
of failing at save time.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.gis.geos import Point
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from incidents.coordinates import CoordinateError, parse_coordinates, shown
from incidents.models import Attack, Facility
from incidents.services.facilities import place_facility
from incidents.services.verification import VERIFY_PERMISSION, check_attack_verification

REVIEWER_ONLY_MESSAGE = _("Only reviewers can mark an attack verified or disputed.")
UNVERIFY_WARNING = _(
    "A reviewer verified this attack. Saving a change to it, or to its weapons, damages, "
    "outage figures or responses, takes it back to corroborated until a reviewer verifies "
    "it again."
)


# What a date or time field says when it cannot read what was typed: the formats it takes
# (infra_tracker/formats), not Django's bare "Enter a valid date.".
DATE_MESSAGE = _("Enter a date as DD.MM.YYYY or YYYY-MM-DD, e.g. 12.11.2026.")
TIME_MESSAGE = _("Enter a time as HH:MM (24-hour clock), e.g. 14:30.")
DATETIME_MESSAGE = _(
    "Enter a date and time as DD.MM.YYYY HH:MM or YYYY-MM-DD HH:MM, e.g. 12.11.2026 14:30."
)


def name_the_date_formats(form: forms.BaseForm) -> None:
    """Make each date, time and date-time field of `form` name the formats it accepts."""
    for field in form.fields.values():
        if isinstance(field, forms.SplitDateTimeField):
            # Its two parts were built with the messages of the moment; they say it.
            date_part, time_part = field.fields
            date_part.error_messages = {**date_part.error_messages, "invalid": DATE_MESSAGE}
            time_part.error_messages = {**time_part.error_messages, "invalid": TIME_MESSAGE}
            field.error_messages = {
                **field.error_messages,
                "invalid_date": DATE_MESSAGE,
                "invalid_time": TIME_MESSAGE,
            }
        elif isinstance(field, forms.DateTimeField):
            field.error_messages = {**field.error_messages, "invalid": DATETIME_MESSAGE}
        elif isinstance(field, forms.DateField):
            field.error_messages = {**field.error_messages, "invalid": DATE_MESSAGE}
        elif isinstance(field, forms.TimeField):
            field.error_messages = {**field.error_messages, "invalid": TIME_MESSAGE}


def add_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a model-level ValidationError to the form, field by field where it can."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, ValidationError(errors))


class ServiceCheckedForm(forms.ModelForm):
    """A model form that knows who is editing.

    `user` is set by the admin for each request. `service_error` carries an
    error a service raised while saving, so a second validation pass shows it
    on the form (the first pass was rolled back).
    """

    user: AbstractBaseUser | AnonymousUser | None = None
    service_error: ValidationError | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_the_date_formats(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.service_error is not None:
            add_validation_error(self, self.service_error)
        return cleaned


# The hidden field of an attack's row that holds the version (updated_at) it was shown with.
VERSION_FIELD = "loaded_version"
CHANGED_ELSEWHERE_BY = _(
    "This %(row)s row was changed elsewhere at %(time)s by %(user)s after this page was "
    "opened, so nothing was saved. Reload the page to see that change (your edits here "
    "would undo it); your other edits are kept below."
)
CHANGED_ELSEWHERE = _(
    "This %(row)s row was changed elsewhere at %(time)s after this page was opened, so "
    "nothing was saved. Reload the page to see that change (your edits here would undo "
    "it); your other edits are kept below."
)


def row_version(row: models.Model) -> str:
    """The version of a stored row: when it was last written."""
    return row.updated_at.isoformat() if row.updated_at else ""


def changed_elsewhere_message(row: models.Model) -> str:
    """Who changed `row` last and when (Kyiv time), for a row whose page is out of date."""
    when = timezone.localtime(row.updated_at)
    time = date_format(when, "H:i" if when.date() == timezone.localdate() else "d.m.Y H:i")
    values = {"row": row._meta.verbose_name, "time": time}
    user = row.updated_by
    if user is None:
        return CHANGED_ELSEWHERE % values
    return CHANGED_ELSEWHERE_BY % {**values, "user": user.get_username()}


def is_stale(form: forms.BaseForm) -> bool:
    """Whether the stored row changed after the page holding `form` was loaded.

    A row posted without a version (a page older than the field) is taken as current.
    """
    loaded = form.data.get(form.add_prefix(VERSION_FIELD))
    return bool(loaded) and form.instance.pk is not None and loaded != row_version(form.instance)


class RowVersionForm(ServiceCheckedForm):
    """A row of the attack form that refuses to overwrite a change saved elsewhere.

    A row's change link opens it in a popup, so the attack page may hold a row that
    was saved since it was loaded. Each stored row carries the version it was shown
    with, and every field its value as shown (`show_hidden_initial`): "changed" then
    means edited on this page, not merely different from what is stored now. A stale
    row that was edited here is refused (`clean`); one that was not is left alone
    (the formset writes only changed rows), so the change saved elsewhere stands.
    """

    loaded_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        self.fields[VERSION_FIELD].initial = row_version(self.instance)
        if self.is_bound and self.add_prefix(VERSION_FIELD) not in self.data:
            return  # posted by a page older than the version: compared with what is stored
        for name, field in self.fields.items():
            if name != VERSION_FIELD:
                field.show_hidden_initial = True

    @cached_property
    def changed_data(self) -> list[str]:
        # The version differs from the stored one whenever the row is stale; that is
        # no edit of the row.
        return [name for name in super().changed_data if name != VERSION_FIELD]

    def clean(self) -> dict:
        cleaned = super().clean()
        # A row marked for deletion is refused by the formset (RowVersionFormSet).
        if self.has_changed() and is_stale(self) and not cleaned.get("DELETE"):
            self.add_error(None, changed_elsewhere_message(self.instance))
        return cleaned


class RowVersionFormSet(forms.BaseInlineFormSet):
    """Refuses to delete a row that was changed elsewhere after the page was loaded.

    (A row marked for deletion is not validated, so its form cannot say it.)
    """

    def clean(self) -> None:
        super().clean()
        stale = [form for form in self.deleted_forms if is_stale(form)]
        if stale:
            raise ValidationError([changed_elsewhere_message(form.instance) for form in stale])


def point_text(point: Point | None) -> str:
    """A point as the coordinates field shows it: latitude, longitude."""
    return "" if point is None else f"{shown(point.y)}, {shown(point.x)}"


class CoordinatesField(forms.CharField):
    """Latitude and longitude as text (incidents.coordinates); cleans to a Point or None."""

    def __init__(self, *, map_field: str, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Coordinates"))
        kwargs.setdefault(
            "help_text",
            _(
                "Type or paste, e.g. 50.135, 30.738 or 50°08′06″N 30°44′17″E, or click "
                "the map. Letters N/S/E/W say which is which; two plain numbers are read "
                "as latitude, longitude."
            ),
        )
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "size": 32,
                    "autocomplete": "off",
                    "placeholder": "50.135, 30.738",
                    "data-coordinates-for": f"id_{map_field}",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: str) -> Point | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            reading = parse_coordinates(text)
        except CoordinateError as exc:
            raise ValidationError(str(exc), code="invalid_coordinates") from exc
        return Point(reading.longitude, reading.latitude, srid=4326)


class CoordinatesFormMixin:
    """A text field beside the map: coordinates typed there set the point.

    Left empty, the map's point stands (clicked, or cleared with its delete tool).
    """

    coordinates_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for text_field, map_field in self.coordinates_fields.items():
            if text_field in self.fields and self.instance.pk is not None:
                self.fields[text_field].initial = point_text(getattr(self.instance, map_field))

    def clean(self) -> dict:
        cleaned = super().clean()
        for text_field, map_field in self.coordinates_fields.items():
            point = cleaned.get(text_field)
            if point is not None and map_field in self.fields:
                cleaned[map_field] = point
                self.errors.pop(map_field, None)
        return cleaned


class AttackForm(CoordinatesFormMixin, ServiceCheckedForm):
    """The admin builds the Meta (model and fields) from AttackAdmin."""

    impact_coordinates = CoordinatesField(map_field="impact_location")
    coordinates_fields = {"impact_coordinates": "impact_location"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("verification_status")
        if field is None or self.can_verify:
            return
        if self.instance.verification_status == Attack.Verification.VERIFIED:
            field.help_text = UNVERIFY_WARNING
        # An attack a reviewer already verified keeps its state when an analyst edits it.
        current = self.instance.verification_status if self.instance.pk else None
        field.choices = [
            (value, label)
            for value, label in field.choices
            if value not in Attack.REVIEWER_STATES or value == current
        ]
        field.error_messages["invalid_choice"] = REVIEWER_ONLY_MESSAGE

    @property
    def can_verify(self) -> bool:
        return self.user is not None and self.user.has_perm(VERIFY_PERMISSION)

    def clean(self) -> dict:
        cleaned = super().clean()
        status = cleaned.get("verification_status")
        if status:
            probe = Attack(pk=self.instance.pk, verification_status=status)
            try:
                check_attack_verification(probe, self.user)
            except ValidationError as exc:
                add_validation_error(self, exc)
        return cleaned


class FacilityForm(CoordinatesFormMixin, ServiceCheckedForm):
    """The admin builds the Meta (model and fields) from FacilityAdmin."""

    location_coordinates = CoordinatesField(map_field="location")
    coordinates_fields = {"location_coordinates": "location"}

    def clean(self) -> dict:
        cleaned = super().clean()
        location = cleaned.get("location")
        if location is not None and "region" not in self.errors:
            # A throwaway copy: the region it fills in is decided again when saving.
            probe = Facility(location=location, region=cleaned.get("region"))
            try:
                place_facility(probe)
            except ValidationError as exc:
                add_validation_error(self, exc)
        return cleaned
