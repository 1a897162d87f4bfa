"""A row of the attack form changed elsewhere (in its popup) after the page was loaded:
saving the attack page must not write the row's old values over that change."""

from __future__ import annotations

from incidents.models import Attack, Damage
from tests.incidents.admin_helpers import (
    admin_url,
    form_post_data,
    records,  # noqa: F401 (a fixture)
)
from tests.incidents.test_admin_attack_entry import change_page_formsets

POPUP_DESCRIPTION = "Boiler house and turbine hall hit."


def attack_page_as_loaded(client, attack: Attack) -> dict:
    """The attack's change page as the browser would post it back unchanged."""
    form = client.get(admin_url("attack", "change", attack.pk)).context["adminform"].form
    return form_post_data(form) | change_page_formsets(client, attack)


def save_in_popup(client, damage: Damage, **changes: str) -> None:
    """What the row's change link does: the damage's own form in a popup, saved."""
    url = admin_url("damage", "change", damage.pk) + "?_popup=1"
    data = form_post_data(client.get(url).context["adminform"].form) | changes
    data["_popup"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200  # the popup's closing page
    assert "popup_response_data" in response.context


def damage_row_errors(response) -> list[str]:
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "damages"
    )
    return [*formset.forms[0].non_field_errors(), *formset.non_form_errors()]


def test_a_row_changed_in_its_popup_and_then_on_the_stale_page_is_refused(
    client,
    analyst,
    records,  # noqa: F811
):
    attack, damage = records["attack"], records["damage"]
    client.force_login(analyst)
    data = attack_page_as_loaded(client, attack)
    save_in_popup(client, damage, description=POPUP_DESCRIPTION)

    data["damages-0-description"] = "Typed on the attack page."
    data["summary"] = "A summary edited on the stale page"
    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 200
    [message] = damage_row_errors(response)
    assert message.startswith("This damage row was changed elsewhere at ")
    assert "by olena.analyst after this page was opened, so nothing was saved." in message
    # Nothing was saved: the popup's value stands, and so does the attack.
    damage.refresh_from_db()
    assert damage.description == POPUP_DESCRIPTION
    assert Attack.objects.get(pk=attack.pk).summary == attack.summary
    # The form comes back with what the user typed.
    assert "Typed on the attack page." in response.content.decode()


def test_a_row_changed_in_its_popup_but_not_on_the_page_keeps_the_popups_change(
    client,
    analyst,
    records,  # noqa: F811
):
    attack, damage = records["attack"], records["damage"]
    client.force_login(analyst)
    data = attack_page_as_loaded(client, attack)
    save_in_popup(client, damage, description=POPUP_DESCRIPTION, severity="minor")

    data["summary"] = "A summary edited after the popup closed"
    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert Attack.objects.get(pk=attack.pk).summary == "A summary edited after the popup closed"
    damage.refresh_from_db()
    assert (damage.description, damage.severity) == (POPUP_DESCRIPTION, "minor")


def test_a_row_changed_in_its_popup_cannot_be_deleted_from_the_stale_page(
    client,
    reviewer,
    records,  # noqa: F811
):
    attack, damage = records["attack"], records["damage"]
    client.force_login(reviewer)  # analysts do not delete
    data = attack_page_as_loaded(client, attack)
    save_in_popup(client, damage, description=POPUP_DESCRIPTION)

    data["damages-0-DELETE"] = "on"
    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 200
    [message] = damage_row_errors(response)
    assert message.startswith("This damage row was changed elsewhere at ")
    assert Damage.objects.get(pk=damage.pk).description == POPUP_DESCRIPTION


def test_a_current_row_edited_on_the_attack_page_is_saved(
    client,
    analyst,
    records,  # noqa: F811
):
    attack, damage = records["attack"], records["damage"]
    client.force_login(analyst)
    data = attack_page_as_loaded(client, attack)

    data["damages-0-description"] = "Typed on the attack page."
    response = client.post(admin_url("attack", "change", attack.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert Damage.objects.get(pk=damage.pk).description == "Typed on the attack page."
