"""No admin list filters or searches on a secret: webhook secrets, passwords, API tokens."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.authtoken.models import Token

from alerts.models import AlertRule, Delivery, Notification, WebhookEndpoint
from incidents.admin.secrets import (
    SECRET_FIELDS,
    guard_admin,
    secret_in_lookup,
    secret_lookup_problems,
)
from tests.factories import AttackFactory


@pytest.fixture
def endpoint(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="Partner", url="https://partner.example.org/hook")


@pytest.fixture
def delivery(endpoint) -> Delivery:
    rule = AlertRule.objects.create(
        name="Kyiv heating plants hit", kind="facility_damaged", facility_kinds=["chp"]
    )
    rule.webhooks.add(endpoint)
    attack = AttackFactory()
    notification = Notification.objects.create(
        rule=rule,
        content_type=ContentType.objects.get_for_model(attack),
        object_id=attack.pk,
        event_key=f"attack:{attack.pk}",
        payload={"title": "Darnytsia CHP hit"},
    )
    return Delivery.objects.create(notification=notification, channel="webhook", endpoint=endpoint)


def _filter_fields(model_admin: admin.ModelAdmin) -> list[str]:
    paths = list(model_admin.search_fields or ())
    for item in model_admin.list_filter or ():
        if isinstance(item, str):
            paths.append(item)
        elif isinstance(item, list | tuple):
            paths.append(item[0])
    if model_admin.date_hierarchy:
        paths.append(model_admin.date_hierarchy)
    return [path.lstrip("^=@") for path in paths]


def test_no_registered_admin_searches_or_filters_on_a_secret():
    touched = {
        f"{type(model_admin).__name__}: {path}"
        for model_admin in admin.site._registry.values()
        for path in _filter_fields(model_admin)
        if secret_in_lookup(model_admin.model, path)
    }

    assert touched == set()
    assert secret_lookup_problems(admin.site) == []


def test_every_registered_admin_refuses_lookups_on_its_own_secret_fields():
    own_secrets = {
        (type(model_admin).__name__, field.name): model_admin.lookup_allowed(
            f"{field.name}__startswith", "a"
        )
        for model_admin in admin.site._registry.values()
        for field in model_admin.model._meta.concrete_fields
        if secret_in_lookup(model_admin.model, field.name)
    }

    assert set(own_secrets) == {
        ("UserAdmin", "password"),
        ("WebhookEndpointAdmin", "secret"),
        ("TokenAdmin", "key"),
    }
    assert set(own_secrets.values()) == {False}
    assert all(
        getattr(model_admin.lookup_allowed, "refuses_secret_lookups", False)
        for model_admin in admin.site._registry.values()
    )


def test_the_secret_fields_are_the_ones_the_product_keeps():
    # Written out by hand, so that dropping a secret from the list has to be done here too.
    expected = {
        "auth.user": frozenset({"password"}),
        "alerts.webhookendpoint": frozenset({"secret"}),
        "authtoken.token": frozenset({"key"}),
        "sessions.session": frozenset({"session_key", "session_data"}),
    }

    assert expected == SECRET_FIELDS


@pytest.mark.parametrize(
    ("model", "lookup", "secret"),
    [
        (WebhookEndpoint, "secret__startswith", "alerts.WebhookEndpoint.secret"),
        (Delivery, "endpoint__secret__startswith", "alerts.WebhookEndpoint.secret"),
        (AlertRule, "webhooks__secret", "alerts.WebhookEndpoint.secret"),
        (User, "password__startswith", "auth.User.password"),
        (Group, "user__password__regex", "auth.User.password"),
        (User, "auth_token__pk__startswith", "authtoken.Token.key"),
        (Token, "pk__startswith", "authtoken.Token.key"),
        (Token, "user__password", "auth.User.password"),
    ],
)
def test_a_lookup_reaching_a_secret_is_recognised_through_relations(model, lookup, secret):
    assert secret_in_lookup(model, lookup) == secret


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (WebhookEndpoint, "name__startswith"),
        (Delivery, "endpoint__id__exact"),
        (Delivery, "endpoint__url"),
        (User, "username"),
        (Token, "user__username__icontains"),
        (WebhookEndpoint, "no_such_field"),
    ],
)
def test_lookups_that_reach_no_secret_are_left_alone(model, lookup):
    assert secret_in_lookup(model, lookup) is None


def test_the_check_names_an_admin_that_searches_a_secret_or_was_not_guarded():
    site = admin.AdminSite(name="probe")

    class LeakyEndpointAdmin(admin.ModelAdmin):
        search_fields = ("name", "=secret")
        list_filter = (("secret", admin.AllValuesFieldListFilter),)

    class LeakyDeliveryAdmin(admin.ModelAdmin):
        list_filter = ("endpoint__secret",)

    site.register(WebhookEndpoint, LeakyEndpointAdmin)
    site.register(Delivery, LeakyDeliveryAdmin)
    guard_admin(site._registry[WebhookEndpoint])

    messages = [problem.msg for problem in secret_lookup_problems(site)]

    assert messages == [
        "LeakyEndpointAdmin searches or filters on alerts.WebhookEndpoint.secret (=secret).",
        "LeakyEndpointAdmin searches or filters on alerts.WebhookEndpoint.secret (secret).",
        "LeakyDeliveryAdmin does not refuse lookups on secrets: it was registered after "
        "start-up. Call incidents.admin.secrets.guard_admin on it.",
        "LeakyDeliveryAdmin searches or filters on alerts.WebhookEndpoint.secret "
        "(endpoint__secret).",
    ]


# --------------------------------------------------------------------------- over HTTP


def _secret_probes(endpoint: WebhookEndpoint, superuser: User) -> list[tuple[str, str, str]]:
    token = Token.objects.create(user=superuser)
    return [
        ("admin:alerts_webhookendpoint_changelist", "secret__startswith", endpoint.secret[:1]),
        ("admin:alerts_webhookendpoint_changelist", "secret", endpoint.secret),
        ("admin:alerts_delivery_changelist", "endpoint__secret__startswith", endpoint.secret[:1]),
        ("admin:alerts_alertrule_changelist", "webhooks__secret__startswith", endpoint.secret[:1]),
        ("admin:auth_user_changelist", "password__startswith", "pbkdf2"),
        ("admin:auth_group_changelist", "user__password__startswith", "pbkdf2"),
        ("admin:authtoken_tokenproxy_changelist", "key__startswith", token.key[:1]),
        ("admin:authtoken_tokenproxy_changelist", "pk__startswith", token.key[:1]),
    ]


def test_secret_lookups_in_the_url_are_refused_even_for_a_superuser(
    client, superuser, endpoint, delivery
):
    client.force_login(superuser)

    answers = {
        f"{url}?{lookup}=": client.get(reverse(url), {lookup: value}).status_code
        for url, lookup, value in _secret_probes(endpoint, superuser)
    }

    assert answers == dict.fromkeys(answers, 400)


def test_ordinary_filters_still_work_on_the_same_lists(client, superuser, endpoint, delivery):
    client.force_login(superuser)

    for url, params in [
        ("admin:alerts_webhookendpoint_changelist", {"active__exact": "1"}),
        ("admin:alerts_delivery_changelist", {"endpoint__id__exact": endpoint.pk}),
        ("admin:auth_user_changelist", {"is_superuser__exact": "1"}),
        ("admin:authtoken_tokenproxy_changelist", {"q": superuser.username}),
    ]:
        assert client.get(reverse(url), params).status_code == 200, url
