"""The data-requests page: a shop sees, downloads and deletes its own customer data exports
(another shop's are 404), and makes one for an address by hand, on both platforms."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.domain.privacy.lifecycle import export_customer_data
from app.extensions import db
from app.models import DataExport, MessageState
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer, csrf_token, id_token, login_link
from tests.support.factories import T0, add_parcel, make_order

SHOPIFY = f"?shop={SHOPIFY_DOMAIN}&locale=en"  # as Shopify opens the app for an English admin


def _export(shop, order_id: str = "1001", request_id: str | None = "9999") -> DataExport:
    order = make_order(shop, platform_order_id=order_id)
    add_parcel(order)
    export = export_customer_data(db.session, shop, order.customer.email, (), request_id)
    export.created_at = T0
    db.session.commit()
    return export


def _exports(shop) -> list[int]:
    db.session.expire_all()
    return db.session.scalars(select(DataExport.id).where(DataExport.shop_id == shop.id)).all()


def test_woocommerce_page_lists_the_shops_exports_and_says_no_webhook_brings_them(wc_admin, wc_shop):
    export = _export(wc_shop, request_id=None)
    page = wc_admin.get("/admin/privacy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "WooCommerce does not tell the app when a buyer asks for their data" in html
    assert 'data-source="shopify"' not in html
    row = html.split(f'data-export="{export.id}"')[1].split("</tr>")[0]
    assert "23 Nov 2026, 10:00" in row and "buyer-1001@example.com" in row and "made here" in row
    assert "<td>1</td>" in row  # one customer record
    assert "23 Dec 2026" in row  # deleted 30 days after it was made
    assert f"/admin/privacy/exports/{export.id}/download" in row
    # Linked from every admin page's navigation.
    assert 'href="/admin/privacy"' in wc_admin.get("/admin/").get_data(as_text=True)


def test_shopify_page_opens_with_the_id_token_and_shows_the_request_id(client, shop):
    export = _export(shop)
    page = client.get("/admin/privacy",
                      query_string={"shop": SHOPIFY_DOMAIN, "host": "YWRtaW4", "embedded": "1",
                                                       "id_token": id_token(), "locale": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (page.headers["Content-Security-Policy"]
            == f"frame-ancestors https://{SHOPIFY_DOMAIN} https://admin.shopify.com;")
    assert 'data-source="shopify"' in html and "Shopify request 9999" in html
    assert f"/admin/privacy/exports/{export.id}/download?shop={SHOPIFY_DOMAIN}&amp;host=YWRtaW4" in html
    assert "at once when Shopify asks the app to erase that buyer" in html
    assert client.get("/admin/privacy",
                      query_string={"shop": SHOPIFY_DOMAIN, "embedded": "1"}).status_code == 302


def test_page_and_download_need_a_sign_in(client, shop):
    export = _export(shop)
    assert client.get("/admin/privacy").status_code == 401
    assert client.get(f"/admin/privacy/exports/{export.id}/download").status_code == 401
    assert client.get(f"/admin/privacy/exports/{export.id}/download{SHOPIFY}",
                      headers=bearer(id_token(secret="forged"))).status_code == 401


def test_download_is_a_json_attachment_never_cached(wc_admin, wc_shop):
    export = _export(wc_shop, request_id="4711")
    response = wc_admin.get(f"/admin/privacy/exports/{export.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="data-export-{export.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    document = json.loads(response.data)
    assert document["shop"] == "https://laden.example" and document["request_id"] == "4711"
    assert document["created_at"] == T0.isoformat()
    assert document["delete_after"] == (T0 + timedelta(days=30)).isoformat()
    assert document["requested"] == {"email": "buyer-1001@example.com", "orders": []}
    customer = document["customers"][0]
    assert customer["email"] == "buyer-1001@example.com"
    assert customer["orders"][0]["parcels"][0]["tracking_number"] == "00340434161094042557"


def test_shopify_download_with_the_bearer_token(client, shop):
    export = _export(shop)
    response = client.get(f"/admin/privacy/exports/{export.id}/download{SHOPIFY}", headers=bearer())
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.data)["customers"][0]["email"] == "buyer-1001@example.com"


def test_another_shops_export_is_not_found_to_download_or_delete(client, shop, wc_shop):
    theirs = _export(shop)
    client.get(login_link(wc_shop))
    assert client.get(f"/admin/privacy/exports/{theirs.id}/download").status_code == 404
    response = client.post(f"/admin/privacy/exports/{theirs.id}/delete",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404
    assert client.get(f"/admin/privacy/exports/{theirs.id + 100}/download").status_code == 404
    page = client.get("/admin/privacy").get_data(as_text=True)
    assert "data-export=" not in page and "No exports yet." in page
    # …and the other way round: the Shopify shop cannot reach the WooCommerce shop's export.
    ours = _export(wc_shop, order_id="2002")
    other = client.application.test_client()
    assert other.get(f"/admin/privacy/exports/{ours.id}/download{SHOPIFY}",
                     headers=bearer()).status_code == 404
    assert other.post(f"/admin/privacy/exports/{ours.id}/delete{SHOPIFY}",
                      headers=bearer()).status_code == 404
    assert _exports(shop) == [theirs.id] and _exports(wc_shop) == [ours.id]


def test_woocommerce_delete_needs_the_csrf_token_and_then_deletes(wc_admin, wc_shop):
    export = _export(wc_shop)
    refused = wc_admin.post(f"/admin/privacy/exports/{export.id}/delete", data={})
    assert refused.status_code == 403 and _exports(wc_shop) == [export.id]
    token = csrf_token(wc_admin, "/admin/privacy")
    response = wc_admin.post(f"/admin/privacy/exports/{export.id}/delete", data={"csrf_token": token})
    assert response.status_code == 200 and f"Export {export.id} deleted." in response.get_data(as_text=True)
    assert _exports(wc_shop) == []
    assert wc_admin.get(f"/admin/privacy/exports/{export.id}/download").status_code == 404


def test_shopify_delete_needs_the_bearer_token_and_then_deletes(client, shop):
    export = _export(shop)
    path = f"/admin/privacy/exports/{export.id}/delete{SHOPIFY}&embedded=1"
    assert client.post(path).status_code == 401 and _exports(shop) == [export.id]
    response = client.post(path, headers=bearer())
    assert response.status_code == 200 and b"No exports yet." in response.data
    assert _exports(shop) == []


def test_woocommerce_merchant_makes_an_export_for_an_address(wc_admin, wc_shop):
    order = make_order(wc_shop, platform_order_id="3003")
    db.session.commit()
    token = csrf_token(wc_admin, "/admin/privacy")
    response = wc_admin.post("/admin/privacy/exports",
                             data={"csrf_token": token, "email": " Buyer-3003@Example.com "})
    assert (response.status_code == 200 and "created with 1 customer record(s)."
            in response.get_data(as_text=True))
    export = db.session.scalars(select(DataExport).where(DataExport.shop_id == wc_shop.id)).one()
    assert export.request_id is None
    assert export.payload["customers"][0]["orders"][0]["order"] == order.platform_order_id
    nobody = wc_admin.post("/admin/privacy/exports",
                           data={"csrf_token": token, "email": "nobody@example.com"})
    assert "the app holds nothing about this address" in nobody.get_data(as_text=True)
    assert len(_exports(wc_shop)) == 2  # the empty one is the answer "we hold nothing" too


def test_export_form_refuses_a_non_address_and_a_missing_csrf_token(wc_admin, wc_shop):
    token = csrf_token(wc_admin, "/admin/privacy")
    response = wc_admin.post("/admin/privacy/exports", data={"csrf_token": token, "email": "jane at example"})
    assert response.status_code == 422 and b'aria-invalid="true"' in response.data
    assert b"Enter the buyer&#39;s e-mail address" in response.data
    assert wc_admin.post("/admin/privacy/exports", data={"email": "jane@example.com"}).status_code == 403
    assert _exports(wc_shop) == []


def test_shopify_merchant_makes_an_export_with_the_bearer_token(client, shop):
    make_order(shop, platform_order_id="4004")
    db.session.commit()
    response = client.post(f"/admin/privacy/exports{SHOPIFY}", data={"email": "buyer-4004@example.com"},
                           headers=bearer())
    assert response.status_code == 200 and b"created with 1 customer record(s)" in response.data
    assert len(_exports(shop)) == 1


def test_woocommerce_merchant_erases_a_buyer_on_request(wc_admin, wc_shop):
    """WooCommerce sends no redact webhook: the page erases as customers/redact does."""
    from app.domain.followups.sync import sync_followups
    from app.models import Customer, ScheduledMessage, Suppression

    order = make_order(wc_shop, platform_order_id="5005")
    add_parcel(order, shipped_at=T0)
    sync_followups(db.session, [order], T0)
    db.session.commit()
    export = _export(wc_shop, order_id="5006", request_id=None)  # another buyer's export stays
    export_customer_data(db.session, wc_shop, "buyer-5005@example.com", (), None)
    db.session.commit()
    token = csrf_token(wc_admin, "/admin/privacy")
    response = wc_admin.post("/admin/privacy/erasures", data={
        "csrf_token": token, "erase_email": "Buyer-5005@example.com", "confirm": "yes"})
    assert response.status_code == 200
    assert "1 customer record(s) erased" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, order.customer_id).email is None
    assert db.session.scalars(select(Suppression.reason)
                              .where(Suppression.shop_id == wc_shop.id)).all() == ["redacted"]
    states = set(db.session.scalars(select(ScheduledMessage.state)
                                    .where(ScheduledMessage.order_id == order.id)))
    assert states <= {MessageState.CANCELLED, MessageState.SENT}
    assert MessageState.CANCELLED in states
    assert _exports(wc_shop) == [export.id]  # the export naming the erased buyer is gone


def test_erasure_needs_the_confirmation_an_address_and_the_csrf_token(wc_admin, wc_shop):
    from app.models import Customer

    order = make_order(wc_shop, platform_order_id="6006")
    db.session.commit()
    token = csrf_token(wc_admin, "/admin/privacy")
    unconfirmed = wc_admin.post("/admin/privacy/erasures", data={"csrf_token": token,
                                                                  "erase_email": "buyer-6006@example.com"})
    assert unconfirmed.status_code == 422 and b"Confirm that the buyer asked" in unconfirmed.data
    bad = wc_admin.post("/admin/privacy/erasures",
                        data={"csrf_token": token, "erase_email": "x", "confirm": "yes"})
    assert bad.status_code == 422
    forged = wc_admin.post("/admin/privacy/erasures",
                           data={"erase_email": "buyer-6006@example.com", "confirm": "yes"})
    assert forged.status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, order.customer_id).email == "buyer-6006@example.com"


def test_shopify_merchant_erases_with_the_bearer_token(client, shop):
    from app.models import Customer

    order = make_order(shop, platform_order_id="7007")
    db.session.commit()
    assert client.post(f"/admin/privacy/erasures{SHOPIFY}", data={
        "erase_email": "buyer-7007@example.com", "confirm": "yes"}).status_code == 401
    response = client.post(f"/admin/privacy/erasures{SHOPIFY}", data={
        "erase_email": "buyer-7007@example.com", "confirm": "yes"}, headers=bearer())
    assert response.status_code == 200 and b"1 customer record(s) erased" in response.data
    db.session.expire_all()
    assert db.session.get(Customer, order.customer_id).email is None
