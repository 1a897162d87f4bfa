import pytest
from django.urls import reverse

from alerts.models import AlertRule, WebhookEndpoint


@pytest.fixture
def endpoint(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="Partner", url="https://partner.example.org/hook")


@pytest.mark.parametrize(
    "model", ["alertrule", "webhookendpoint", "notification", "delivery", "flag"]
)
def test_the_alert_lists_open_for_an_administrator(client, superuser, model):
    client.force_login(superuser)
    response = client.get(reverse(f"admin:alerts_{model}_changelist"))
    assert response.status_code == 200


def test_an_analyst_defines_a_rule_in_the_admin(client, analyst, kyiv, endpoint, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["example.org"]
    client.force_login(analyst)
    response = client.post(
        reverse("admin:alerts_alertrule_add"),
        {
            "name": "Kyiv heating plants hit",
            "kind": "facility_damaged",
            "active": "on",
            "facility_kinds": ["chp", "heating"],
            "region": kyiv.pk,
            "service": "",
            "threshold": "",
            "days": "30",
            "emails": "desk@example.org, duty@example.org",
            "webhooks": [endpoint.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AlertRule.objects.get()
    assert rule.facility_kinds == ["chp", "heating"]
    assert rule.emails == ["desk@example.org", "duty@example.org"]
    assert list(rule.webhooks.all()) == [endpoint]


def test_an_outage_rule_without_a_threshold_is_refused_with_a_field_message(client, analyst, kyiv):
    client.force_login(analyst)
    response = client.post(
        reverse("admin:alerts_alertrule_add"),
        {"name": "Kyiv outages", "kind": "outage_above", "region": kyiv.pk, "days": "30"},
    )
    assert response.status_code == 200
    assert "An outage rule needs a threshold." in response.content.decode()
    assert not AlertRule.objects.exists()


def test_only_an_administrator_sees_a_webhook_secret(client, superuser, analyst, endpoint):
    url = reverse("admin:alerts_webhookendpoint_change", args=[endpoint.pk])
    client.force_login(analyst)
    assert endpoint.secret not in client.get(url).content.decode()
    client.force_login(superuser)
    assert endpoint.secret in client.get(url).content.decode()


def test_a_viewer_cannot_open_the_rules(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("admin:alerts_alertrule_changelist"))
    assert response.status_code == 403


def test_an_endpoint_with_an_ftp_url_is_refused_with_a_field_message(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:alerts_webhookendpoint_add"),
        {"name": "Partner drop", "url": "ftp://files.partner.example/drop", "active": "on"},
    )
    assert response.status_code == 200
    assert (
        "Webhooks are sent over http:// or https:// only; this URL has ftp://."
        in response.content.decode()
    )
    assert not WebhookEndpoint.objects.exists()


def test_a_rule_mailing_an_outside_address_is_refused_naming_it(client, analyst, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["ministry.example"]
    client.force_login(analyst)
    response = client.post(
        reverse("admin:alerts_alertrule_add"),
        {
            "name": "Any verified attack",
            "kind": "attack_verified",
            "active": "on",
            "days": "30",
            "emails": "desk@ministry.example, tips@newsdesk.example",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Alerts go only to addresses of registered users, or addresses in ministry.example. "
        "Not allowed: tips@newsdesk.example." in page
    )
    assert not AlertRule.objects.exists()


def test_the_rule_form_says_which_domains_alerts_may_go_to(client, analyst, settings):
    settings.ALERTS_EMAIL_DOMAINS = ["ministry.example", "energy.example"]
    client.force_login(analyst)
    response = client.get(reverse("admin:alerts_alertrule_add"))
    assert "addresses in ministry.example, energy.example" in response.content.decode()
