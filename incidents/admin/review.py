"""The reviewers' workflow in the admin: states, the queue, the transition buttons, bulk actions.

Attacks, outage reports and response measures share it. Every transition is a
POST to an admin URL of the model's admin that calls `incidents.services.publication`;
a refusal (the four-eyes rule among them) comes back as an admin error message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.admin.changes import changes_since_published
from incidents.models import PublicationState
from incidents.services import publication

State = PublicationState
PUBLICATION_FIELDS = ("publication_state", "published_at", "published_by", "state_changed_at")
PUBLICATION_FIELDSET = (_("Publication"), {"fields": PUBLICATION_FIELDS})
# The review queue's changelist: records in review, the longest waiting first.
QUEUE_PARAMETER = "publication_state__exact"


class SentBackFilter(admin.SimpleListFilter):
    """Drafts a reviewer returned with a comment; "to me" are those the user changed last."""

    title = _("sent back")
    parameter_name = "sent_back"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("mine", _("To me")), ("all", _("To anyone"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in ("mine", "all"):
            return queryset
        returned = queryset.filter(publication_state=State.DRAFT).exclude(review_comment="")
        if self.value() == "mine":
            returned = returned.filter(updated_by=request.user)
        return returned


class Transition:
    """One button of the change page and the service it calls."""

    def __init__(self, name: str, label: str, service: Callable, done: str) -> None:
        self.name, self.label, self.service, self.done = name, label, service, done


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit", _("Send for review"), publication.submit_for_review, _("sent for review")
        ),
        Transition("publish", _("Publish"), publication.publish, _("published")),
        Transition(
            "send_back", _("Send back"), publication.send_back, _("sent back to its author")
        ),
        Transition("withdraw", _("Withdraw"), publication.withdraw, _("withdrawn")),
    )
}


class PublicationAdminMixin:
    """For the admins of publishable models (before TrackedAdmin in the bases)."""

    change_form_template = "admin/incidents/publication_change_form.html"

    # ------------------------------------------------------------------ list

    def get_list_display(self, request: HttpRequest) -> Sequence[str]:
        shown = [*super().get_list_display(request), "publication_state"]
        if self._is_queue(request):
            shown += ["state_changed_at", "changes_since_published"]
        return shown

    def get_list_filter(self, request: HttpRequest) -> Sequence[Any]:
        return ["publication_state", SentBackFilter, *super().get_list_filter(request)]

    def get_ordering(self, request: HttpRequest) -> Sequence[str]:
        # The queue's link has no ordering of its own: the longest waiting come first.
        if self._is_queue(request) and "o" not in request.GET:
            return ("state_changed_at", "pk")
        return super().get_ordering(request)

    @staticmethod
    def _is_queue(request: HttpRequest) -> bool:
        return request.GET.get(QUEUE_PARAMETER) == State.IN_REVIEW

    @admin.display(description=_("changes since published"))
    def changes_since_published(self, obj: models.Model) -> str:
        return changes_since_published(obj).summary()

    # ------------------------------------------------------------------ change page

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        return [*fieldsets, PUBLICATION_FIELDSET] if obj is not None else fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, *(name for name in PUBLICATION_FIELDS if name not in readonly)]

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return publication.may_publish(request.user, self.model)

    def transitions_for(self, request: HttpRequest, obj: models.Model) -> list[Transition]:
        """The buttons this user may press for this record, in its state."""
        state = obj.publication_state
        shown = []
        if state in (State.DRAFT, State.WITHDRAWN) and self.has_change_permission(request, obj):
            shown.append("submit")
        if self.has_publish_permission(request):
            if state != State.PUBLISHED:
                shown.append("publish")
            if state == State.IN_REVIEW:
                shown.append("send_back")
            if obj.has_public_version:
                shown.append("withdraw")
        return [TRANSITIONS[name] for name in shown]

    def _sent_back_by(self, obj: models.Model) -> Any:
        version = (
            obj.history.filter(publication_state=State.DRAFT, review_comment=obj.review_comment)
            .select_related("history_user")
            .order_by("-history_date")
            .first()
        )
        return version.history_user if version else None

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None and self.has_view_or_change_permission(request, obj):
            sent_back = obj.publication_state == State.DRAFT and bool(obj.review_comment)
            context["publication"] = {
                "record": obj,
                "state": obj.get_publication_state_display(),
                "transitions": [
                    (t, reverse(self._url_name("publication"), args=[obj.pk, t.name]))
                    for t in self.transitions_for(request, obj)
                ],
                "sent_back": sent_back,
                "sent_back_by": self._sent_back_by(obj) if sent_back else None,
                "four_eyes": (
                    publication.four_eyes_refusal(obj, request.user)
                    if self.has_publish_permission(request)
                    and obj.publication_state != State.PUBLISHED
                    else None
                ),
                "changes": changes_since_published(obj),
            }
        return super().change_view(request, object_id, form_url, context)

    # ------------------------------------------------------------------ transitions

    def _url_name(self, view: str) -> str:
        opts = self.model._meta
        return f"admin:{opts.app_label}_{opts.model_name}_{view}"

    def get_urls(self) -> list:
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/publication/<str:transition>/",
                self.admin_site.admin_view(self.publication_view),
                name=f"{opts.app_label}_{opts.model_name}_publication",
            ),
            *super().get_urls(),
        ]

    def publication_view(self, request: HttpRequest, object_id: str, transition: str):
        """POST: make one transition and go back to the change page with its outcome."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        chosen = TRANSITIONS.get(transition)
        obj = self.get_object(request, unquote(object_id))
        if chosen is None or obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if chosen.name == "submit" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        kwargs: dict[str, Any] = {}
        if chosen.name == "send_back":
            kwargs["comment"] = request.POST.get("comment", "")
        try:
            chosen.service(record=obj, user=request.user, **kwargs)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(
                    request,
                    gettext("Not %(done)s: %(reason)s") % {"done": chosen.done, "reason": message},
                    messages.ERROR,
                )
        else:
            self.message_user(
                request,
                gettext("“%(record)s” was %(done)s.") % {"record": obj, "done": chosen.done},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse(self._url_name("change"), args=[obj.pk]))

    # ------------------------------------------------------------------ bulk actions

    def _bulk(self, request: HttpRequest, queryset: QuerySet, name: str) -> None:
        chosen = TRANSITIONS[name]
        result = publication.bulk(chosen.service, queryset, user=request.user)
        self.message_user(
            request,
            gettext("%(count)s record(s) %(done)s.")
            % {"count": len(result.done), "done": chosen.done},
            messages.SUCCESS if result.done or not result.refused else messages.WARNING,
        )
        for record, why in result.refused:
            self.message_user(
                request,
                gettext("Not %(done)s – %(record)s: %(reason)s")
                % {"done": chosen.done, "record": record, "reason": why},
                messages.ERROR,
            )

    @admin.action(description=_("Send selected for review"), permissions=["change"])
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "submit")

    @admin.action(description=_("Publish selected"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "publish")

    @admin.action(description=_("Withdraw selected from the public"), permissions=["publish"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "withdraw")

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for name in ("submit_selected", "publish_selected", "withdraw_selected"):
            action = self.get_action(name)
            if action is not None and self._filter_actions_by_permissions(request, [action]):
                actions[name] = action
        return actions
