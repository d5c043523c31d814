"""Do not mail: find an address on the hashed list, lift it with a reason, logged as the CLI logs it."""
import logging

from sqlalchemy import select

from app.domain.privacy.suppressions import email_hash, stop_all_mail, unsubscribe
from app.extensions import db
from app.models import SettingChange, Shop, Suppression
from tests.integration.test_admin_forms import post
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer
from tests.support.factories import T0, make_order

ADDRESS = "buyer-1001@example.com"


def _listed(shop, address=ADDRESS, reason="unsubscribed"):
    customer = make_order(shop).customer if address == ADDRESS else None
    if reason == "unsubscribed":
        unsubscribe(db.session, shop, email_hash(address), customer, T0)
    else:
        stop_all_mail(db.session, shop.id, email_hash(address), customer, T0, reason)
    db.session.commit()
    return db.session.scalars(select(Suppression).where(Suppression.shop_id == shop.id,
                                                        Suppression.email_hash == email_hash(address))).one()


def test_the_page_explains_the_hashes_and_counts_by_reason(wc_admin, wc_shop):
    _listed(wc_shop)
    page = wc_admin.get("/admin/suppressions").get_data(as_text=True)
    assert "SHA-256" in page and "cannot be browsed" in page
    assert 'data-reason="unsubscribed"><td>Unsubscribed (one-click link)</td><td>1<' in page


def test_an_address_is_found_by_its_hash_with_reason_and_date(wc_admin, wc_shop):
    entry = _listed(wc_shop, reason="bounced")
    response = post(wc_admin, "/admin/suppressions/search", {"email": " Buyer-1001@Example.com "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'data-entry="{entry.id}"' in page
    assert "Mail to the address bounced" in page and "23 Nov 2026, 10:00" in page and "No mail at all" in page
    missing = post(wc_admin, "/admin/suppressions/search", {"email": "someone@example.com"})
    assert b'data-found="no"' in missing.data and b"is not on your list" in missing.data


def test_lifting_with_a_reason_takes_it_off_and_logs_who_and_why(wc_admin, wc_shop, caplog):
    entry = _listed(wc_shop)
    with caplog.at_level(logging.INFO):
        response = post(wc_admin, f"/admin/suppressions/{entry.id}/lift",
                        {"email": ADDRESS, "reason": "buyer asked by phone to be re-added"})
    assert response.status_code == 200 and b"The address is off the list." in response.data
    assert db.session.scalars(select(Suppression)).all() == []
    [line] = [r.getMessage() for r in caplog.records if "suppression lifted" in r.getMessage()]
    assert line == (f"suppression lifted: shop {wc_shop.id}, listed as unsubscribed, by WordPress user 7: "
                    "buyer asked by phone to be re-added")
    assert "example.com" not in caplog.text.lower()
    [change] = db.session.scalars(select(SettingChange)).all()
    assert (change.actor, change.area) == ("WordPress user 7", "suppressions")
    assert change.summary == "entry lifted (listed as unsubscribed): buyer asked by phone to be re-added"
    assert "Do not mail" in wc_admin.get("/admin/activity").get_data(as_text=True)


def test_lifting_without_a_reason_is_refused(wc_admin, wc_shop):
    entry = _listed(wc_shop)
    response = post(wc_admin, f"/admin/suppressions/{entry.id}/lift", {"email": ADDRESS, "reason": "  "})
    assert response.status_code == 422 and b"Say why the address may get mail again" in response.data
    assert db.session.scalars(select(Suppression)).all() != []


def test_an_address_that_does_not_match_the_entry_is_refused(wc_admin, wc_shop):
    entry = _listed(wc_shop)
    response = post(wc_admin, f"/admin/suppressions/{entry.id}/lift",
                    {"email": "other@example.com", "reason": "x"})
    assert response.status_code == 422 and b"does not belong to this entry" in response.data


def test_another_shops_entry_cannot_be_lifted(client, shop):
    other = Shop(platform="woocommerce", domain="https://other.example", name="Other")
    db.session.add(other)
    db.session.commit()
    entry = _listed(other, "someone@other.example", reason="bounced")
    response = client.post(f"/admin/suppressions/{entry.id}/lift?shop={SHOPIFY_DOMAIN}", headers=bearer(),
                           data={"email": "someone@other.example", "reason": "mine now"})
    assert response.status_code == 404
    assert db.session.scalars(select(Suppression)).all() == [entry]
    search = client.post(f"/admin/suppressions/search?shop={SHOPIFY_DOMAIN}", headers=bearer(),
                         data={"email": "someone@other.example"})
    assert b'data-found="no"' in search.data


def test_a_shopify_admin_lifts_with_the_bearer_token_as_its_user(client, shop, caplog):
    entry = _listed(shop)
    response = client.post(f"/admin/suppressions/{entry.id}/lift?shop={SHOPIFY_DOMAIN}", headers=bearer(),
                           data={"email": ADDRESS, "reason": "typo in the complaint"})
    assert response.status_code == 200
    assert "by Shopify user 42: typo in the complaint" in caplog.text
