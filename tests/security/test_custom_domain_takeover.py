"""Custom domains are proven, not first come: a host serves a shop only after the shop
published its own TXT record under it, and a squatter's claim neither serves nor blocks."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from app.domain.shop.custom_domains import challenge_name, challenge_token
from app.extensions import db
from app.links.tracking_page import lookup_url, tracking_token, tracking_url
from app.models import Shop
from tests.support.admin_sessions import WC_SECRET, csrf_token, login_link
from tests.support.factories import add_parcel, make_order

DOMAIN = "track.laden.de"
NOT_HERE = f"{DOMAIN} is not set up here".encode()


@pytest.fixture
def squatter(app):
    shop = Shop(platform="woocommerce", domain="https://squat.example", name="Squat",
                webhook_secret=WC_SECRET,
                api_key="ck_s", api_secret="cs_s", locale="en")
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.fixture
def squatter_admin(app, squatter):
    client = app.test_client()
    assert client.get(login_link(squatter)).status_code == 303
    return client


def order_of(shop, number):
    order = make_order(shop, platform_order_id=number)
    order.name = f"#{number}"
    add_parcel(order, shipped_at=datetime.now(timezone.utc))
    db.session.commit()
    return order


def post(client, path, domain):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/tracking-address"),
                                   "custom_domain": domain})


def shown_record(page: str) -> tuple[str, str]:
    return (re.search(r'id="challenge-name">([^<]+)<', page).group(1),
            re.search(r'id="challenge-value">([^<]+)<', page).group(1))


def served(client, order) -> int:
    return client.get(f"/t/{tracking_token(order)}", headers={"Host": DOMAIN}).status_code


def test_a_claim_without_proof_serves_nothing(client, squatter_admin, squatter):
    order = order_of(squatter, "5001")
    assert post(squatter_admin, "/admin/tracking-address", DOMAIN).status_code == 200
    db.session.refresh(squatter)
    assert squatter.custom_domain == DOMAIN and squatter.custom_domain_verified_at is None
    for response in (client.get(f"/t/{tracking_token(order)}", headers={"Host": DOMAIN}),
                     client.get(f"/t/{tracking_token(order)}.json", headers={"Host": DOMAIN}),
                     client.get("/", headers={"Host": DOMAIN}),
                     client.post("/", data={"number": "5001", "email": "buyer-5001@example.com"},
                                 headers={"Host": DOMAIN})):
        assert response.status_code == 404 and NOT_HERE in response.data
        assert b"#5001" not in response.data and b"Squat" not in response.data
    # Nor do its mails link there.
    assert not tracking_url(order).startswith(f"https://{DOMAIN}") and DOMAIN not in lookup_url(squatter)


def test_the_owner_proves_and_takes_the_host_from_the_squatter(client, wc_admin, wc_shop, squatter_admin,
                                                               squatter,
                                                               fake_dns):
    mine, theirs = order_of(wc_shop, "1001"), order_of(squatter, "5001")
    assert post(squatter_admin, "/admin/tracking-address", DOMAIN).status_code == 200
    claimed = post(wc_admin, "/admin/tracking-address", DOMAIN)
    assert (claimed.status_code == 422 and "Another shop already uses this host name."
            in claimed.get_data(as_text=True))
    name, value = shown_record(claimed.get_data(as_text=True))
    assert name == challenge_name(DOMAIN)

    fake_dns.publish(name, value)
    proven = post(wc_admin, "/admin/tracking-address/check", DOMAIN)
    assert (proven.status_code == 200 and f"Proven: tracking pages now open on {DOMAIN}."
            in proven.get_data(as_text=True))
    db.session.refresh(wc_shop)
    db.session.refresh(squatter)
    assert (wc_shop.custom_domain, squatter.custom_domain) == (DOMAIN, None)
    assert wc_shop.custom_domain_verified_at is not None
    assert served(client, mine) == 200 and served(client, theirs) == 404
    assert "Laden" in client.get("/", headers={"Host": DOMAIN}).get_data(as_text=True)


def test_the_squatter_cannot_prove_with_the_owners_record_or_its_own_token(client, wc_shop, squatter_admin,
                                                                           squatter, fake_dns):
    order = order_of(squatter, "5001")
    assert post(squatter_admin, "/admin/tracking-address", DOMAIN).status_code == 200
    # The owner's record is up (its token names the owner's shop), and the squatter copies
    # the value its own admin showed for another host of its own onto the owner's name.
    fake_dns.publish(challenge_name(DOMAIN), challenge_token("test-secret-key", wc_shop.id, DOMAIN),
                     challenge_token("test-secret-key", squatter.id, "track.squat.example"))
    refused = post(squatter_admin, "/admin/tracking-address/check", DOMAIN)
    assert refused.status_code == 422
    assert (f"No TXT record with this shop&#39;s value at {challenge_name(DOMAIN)}"
            in refused.get_data(as_text=True))
    db.session.refresh(squatter)
    assert squatter.custom_domain_verified_at is None
    assert served(client, order) == 404
    assert challenge_name(DOMAIN) in fake_dns.queries  # it really asked


def test_a_proven_host_is_not_taken_by_a_claim(client, wc_admin, wc_shop, squatter_admin, squatter, fake_dns):
    mine = order_of(wc_shop, "1001")
    name, value = shown_record(post(wc_admin, "/admin/tracking-address", DOMAIN).get_data(as_text=True))
    fake_dns.publish(name, value)
    assert post(wc_admin, "/admin/tracking-address/check", DOMAIN).status_code == 200
    assert post(squatter_admin, "/admin/tracking-address", DOMAIN).status_code == 422
    assert post(squatter_admin, "/admin/tracking-address/check", DOMAIN).status_code == 422
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain == DOMAIN and wc_shop.custom_domain_verified_at is not None
    assert served(client, mine) == 200


def test_a_domain_stored_before_proofs_existed_starts_unproven(client, wc_shop):
    wc_shop.custom_domain = DOMAIN  # as migration 0015 leaves it: verified_at NULL
    db.session.commit()
    order = order_of(wc_shop, "1001")
    response = client.get(f"/t/{tracking_token(order)}", headers={"Host": DOMAIN})
    assert response.status_code == 404 and NOT_HERE in response.data
    assert tracking_url(order).startswith("https://app.example.test/t/")


def test_changing_the_host_drops_the_proof(client, wc_admin, wc_shop, fake_dns):
    order = order_of(wc_shop, "1001")
    name, value = shown_record(post(wc_admin, "/admin/tracking-address", DOMAIN).get_data(as_text=True))
    fake_dns.publish(name, value)
    assert post(wc_admin, "/admin/tracking-address/check", DOMAIN).status_code == 200
    assert served(client, order) == 200
    moved = post(wc_admin, "/admin/tracking-address", "track.other-laden.de")
    assert moved.status_code == 200 and "Not proven yet." in moved.get_data(as_text=True)
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain_verified_at is None
    assert served(client, order) == 404
    assert client.get(f"/t/{tracking_token(order)}",
                      headers={"Host": "track.other-laden.de"}).status_code == 404


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter the host name to check."), ("https://x.de/", "host name only"),
    ("app.example.test", "the app&#39;s own address"),
    ("a" * 300 + ".de", "not a valid host name"), ("bad.\x00.de", "not a valid host name"),
])
def test_hostile_checks_are_clear_422s(wc_admin, typed, message, fake_dns):
    response = post(wc_admin, "/admin/tracking-address/check", typed)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fake_dns.queries == []


def test_a_failing_name_server_is_a_clear_answer_not_a_proof(wc_admin, wc_shop, fake_dns):
    fake_dns.failing.add(challenge_name(DOMAIN))
    fake_dns.publish(challenge_name(DOMAIN), challenge_token("test-secret-key", wc_shop.id, DOMAIN))
    response = post(wc_admin, "/admin/tracking-address/check", DOMAIN)
    assert response.status_code == 422 and "did not answer" in response.get_data(as_text=True)
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain is None


def test_checks_are_rate_limited_per_shop(wc_admin, fake_dns):
    statuses = [post(wc_admin, "/admin/tracking-address/check", DOMAIN).status_code for _ in range(21)]
    assert statuses == [422] * 20 + [429]
    assert len(fake_dns.queries) == 20
