"""Publication: whether, and in which version, a record reaches the public view.

Separate from verification, which says how sure we are of a record: a verified
attack may still wait for review, and a published one may be disputed later.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Publishable(models.Model):
    """A record that analysts draft, reviewers publish, and the public sees once published.

    `published_at` is when the version the public sees was published. A record
    edited after that is a draft again, and the public keeps the published
    version until a reviewer publishes the new one.
    """

    publication_state = models.CharField(
        max_length=10,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        editable=False,
        db_index=True,
        verbose_name=_("publication state"),
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the version the public sees was published."),
        verbose_name=_("published at"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    state_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the publication state last changed (the review queue's order)."),
        verbose_name=_("state changed at"),
    )
    review_comment = models.TextField(
        blank=True,
        editable=False,
        help_text=_("The reviewer's comment when the record was sent back."),
        verbose_name=_("review comment"),
    )

    class Meta:
        abstract = True

    @property
    def has_public_version(self) -> bool:
        return self.published_at is not None and self.publication_state != "withdrawn"
