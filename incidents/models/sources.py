"""Sources: the reports, statements and data sets behind each fact, graded by the Admiralty code."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import (
    ExternalId,
    Tracked,
    external_id_unique,
    not_in_future,
    word_search_indexes,
)


class Source(Tracked, ExternalId):
    """Where a fact comes from, graded with the Admiralty (NATO) code."""

    class Kind(models.TextChoices):
        OFFICIAL_STATEMENT = "official_statement", _("Official statement")
        SOCIAL_MEDIA = "social_media", _("Social-media post")
        NEWS_REPORT = "news_report", _("News report")
        SATELLITE = "satellite", _("Satellite imagery")
        FIELD_REPORT = "field_report", _("Field report")
        DATASET = "dataset", _("Data set")

    class Reliability(models.TextChoices):
        A = "A", _("A – completely reliable")
        B = "B", _("B – usually reliable")
        C = "C", _("C – fairly reliable")
        D = "D", _("D – not usually reliable")
        E = "E", _("E – unreliable")
        F = "F", _("F – reliability cannot be judged")

    class Credibility(models.TextChoices):
        CONFIRMED = "1", _("1 – confirmed by other sources")
        PROBABLY_TRUE = "2", _("2 – probably true")
        POSSIBLY_TRUE = "3", _("3 – possibly true")
        DOUBTFUL = "4", _("4 – doubtful")
        IMPROBABLE = "5", _("5 – improbable")
        CANNOT_JUDGE = "6", _("6 – truth cannot be judged")

    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    url = models.URLField(max_length=1000, blank=True, verbose_name=_("url"))
    publisher = models.CharField(
        verbose_name=_("publisher"),
        max_length=200,
        blank=True,
        help_text=_("Publisher or platform, e.g. Telegram, Reuters."),
    )
    speaker = models.CharField(
        verbose_name=_("speaker"), max_length=200, blank=True, help_text=_("e.g. Denys Shmyhal")
    )
    speaker_role = models.CharField(
        verbose_name=_("speaker role"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Minister of Energy of Ukraine"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    language = models.CharField(
        verbose_name=_("language"), max_length=10, blank=True, help_text=_("e.g. uk, en")
    )
    quote = models.TextField(
        verbose_name=_("quote"),
        blank=True,
        help_text=_("The statement or excerpt this source gives."),
    )
    reliability = models.CharField(
        verbose_name=_("reliability"),
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text=_("Admiralty code: how reliable the source is (A–F)."),
    )
    credibility = models.CharField(
        verbose_name=_("credibility"),
        max_length=1,
        choices=Credibility.choices,
        default=Credibility.CANNOT_JUDGE,
        help_text=_("Admiralty code: how credible this piece of information is (1–6)."),
    )

    confidential = models.BooleanField(
        verbose_name=_("confidential"),
        default=False,
        help_text=_("Never shown to the public: neither the source nor its quote."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_at", "-id"]
        constraints = [
            external_id_unique("source"),
            models.CheckConstraint(
                condition=Q(reliability__in=list("ABCDEF")),
                name="source_reliability_a_to_f",
                violation_error_message=_("Reliability must be a letter from A to F."),
            ),
            models.CheckConstraint(
                condition=Q(credibility__in=list("123456")),
                name="source_credibility_1_to_6",
                violation_error_message=_("Credibility must be a digit from 1 to 6."),
            ),
        ]
        indexes = [
            # Source lists and the API order by publication date.
            models.Index(fields=["-published_at"], name="source_published_idx"),
            # ?search= on the sources.
            *word_search_indexes("source", "title", "publisher", "speaker", "quote"),
        ]

    def __str__(self) -> str:
        who = f"{self.speaker}: " if self.speaker else ""
        return f"{who}{self.title} [{self.grade}]"

    @property
    def grade(self) -> str:
        """The Admiralty grade as it is usually written, e.g. "B2"."""
        return f"{self.reliability}{self.credibility}"

    def clean(self) -> None:
        super().clean()
        errors = not_in_future(self.published_at, "published_at")
        if errors:
            raise ValidationError(errors)
