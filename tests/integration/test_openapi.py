"""docs/openapi.yaml: every documented path exists, and real answers match the documented schema."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from app.extensions import db
from app.links.tracking_page import tracking_url
from app.models import ShopModule
from app.presenters import order_status
from app.read_model.from_orm import order_view
from tests.integration.test_block_api import get, session_token
from tests.support.factories import add_parcel, carrier_scan, make_order

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs/openapi.yaml"
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "options", "head"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def schema_validator(spec: dict, name: str) -> Draft202012Validator:
    """A validator for one component schema; its $refs resolve within the spec."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(validator: Draft202012Validator, instance) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_spec_is_openapi_3_1_with_all_refs_resolvable(spec):
    assert spec["openapi"].startswith("3.1")
    text = SPEC_PATH.read_text()
    for ref in set(re.findall(r'\$ref: "#/([^"]+)"', text)):
        node = spec
        for part in ref.split("/"):
            assert part in node, f"unresolvable $ref #/{ref}"
            node = node[part]
    for name in spec["components"]["schemas"]:
        schema_validator(spec, name)


def test_every_documented_path_and_method_is_served(app, spec):
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), set()).update(
            m.lower() for m in rule.methods)
    for path, item in spec["paths"].items():
        assert path in rules, f"{path} is documented but not routed"
        documented = set(item) & HTTP_METHODS
        assert documented, f"{path} documents no operation"
        assert documented <= rules[path], f"{path}: {documented - rules[path]} not served"


def test_the_public_block_routes_are_all_documented(app, spec):
    public = ("/api/", "/t/", "/embed/", "/webhooks/shopify", "/webhooks/woocommerce",
              "/webhooks/mail-feedback",
              "/u/", "/n/")
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if path.startswith(public) and path != "/webhooks/shopify/compliance":
            assert path in spec["paths"], f"{path} is routed but not documented"


@pytest.fixture
def order(app, shop):
    order = make_order(shop, platform_order_id="450789469", lines=(("l1", 2, "4711"),), status="shipped",
                       shipping_country="DE",
                       placed_at=datetime.now(timezone.utc) - timedelta(hours=1))
    order.customer.platform_customer_id = "115310627314723954"
    add_parcel(order, tracking_number="00340434161094042557")
    add_parcel(order, tracking_number="1Z999AA10123456784", carrier=None, fulfillment_id="f2", index=1)
    db.session.commit()
    return order


def test_block_api_answer_matches_the_documented_schema(client, spec, order):
    response = get(client, session_token())
    assert response.status_code == 200
    body = response.get_json()
    assert {"delivery_status", "tracking", "delivery_estimate"} <= body["modules"].keys()
    assert_valid(schema_validator(spec, "OrderStatus"), body)
    assert "200" in spec["paths"]["/api/v1/order-status"]["get"]["responses"]


@pytest.mark.parametrize("status, code", [
    (None, 401), ("gid://shopify/Product/1", 400), ("gid://shopify/Order/1", 404),
])
def test_block_api_errors_match_the_documented_error(client, spec, order, status, code):
    token = None if code == 401 else session_token()
    response = get(client, token, order_id=status or "gid://shopify/Order/450789469")
    assert response.status_code == code
    assert str(code) in spec["paths"]["/api/v1/order-status"]["get"]["responses"]
    assert_valid(schema_validator(spec, "Error"), response.get_json())


def test_delivered_order_with_review_and_reorder_matches_the_schema(app, spec, order):
    order.status = "delivered"
    order.shipments[0].status = "delivered"
    order.shipments[0].delivered_at = datetime.now(timezone.utc)
    order.shop.modules.append(ShopModule(key="review_prompt", enabled=True,
                                         settings={"trustpilot_domain": "johns-apparel.de"}))
    db.session.commit()
    facts = order_status(order_view(order), "en")
    assert {"review_prompt", "delivery_status"} <= facts["modules"].keys()
    assert_valid(schema_validator(spec, "OrderStatus"), facts)


def test_late_estimate_and_branch_match_the_schema(app, spec, order):
    order.status = "needs_attention"
    order.placed_at = datetime.now(timezone.utc) - timedelta(days=40)
    for shipment in order.shipments:
        shipment.shipped_at = order.placed_at
        carrier_scan(shipment, "in_transit", order.placed_at)  # the carrier spoke, then went quiet
    db.session.commit()
    facts = order_status(order_view(order), "de")
    assert facts["modules"]["delivery_status"]["branch"] == "needs_attention"
    assert facts["modules"]["delivery_estimate"]["state"] == "late"
    assert_valid(schema_validator(spec, "OrderStatus"), facts)


def test_tracking_json_matches_the_schema(client, spec, order):
    path = tracking_url(order).split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}.json")
    assert response.status_code == 200
    assert_valid(schema_validator(spec, "OrderStatus"), response.get_json())


def test_faq_banner_and_social_match_the_schema(app, spec, order):
    order.status = "delivered"
    order.shipments[0].status = "delivered"
    order.shipments[0].delivered_at = datetime.now(timezone.utc)
    order.shop.modules.extend([
        ShopModule(key="faq", enabled=True, settings={"entries": [
            {"id": "f1", "question": {"de": "Wie wasche ich Leinen?"},
             "answer": {"de": "Bei 30 °C.\nNicht trocknen."},
             "scope": "all", "show": "after_delivery"}]}),
        ShopModule(key="banner", enabled=True, settings={
            "title": {"de": "Danke!"}, "text": {"de": "10 % auf die nächste Bestellung"},
            "url": "https://johns-apparel.de", "discount_code": "DANKE10", "show": "after_delivery"}),
        ShopModule(key="social", enabled=True, settings={
            "instagram": "https://instagram.com/johns",
            "newsletter_url": "https://johns-apparel.de/newsletter"}),
    ])
    db.session.commit()
    facts = order_status(order_view(order), "de")
    assert {"faq", "banner", "social"} <= facts["modules"].keys()
    assert facts["modules"]["banner"]["discount_code"] == "DANKE10"
    assert_valid(schema_validator(spec, "OrderStatus"), facts)


def test_recommendations_survey_and_newsletter_match_the_schema(client, spec, order):
    from app.domain.followups.recommendations import Recommendable, count_baskets, derived_table
    from app.domain.shop.module_changes import save_derived

    order.status = "delivered"
    shop = order.shop
    orders, pairs = count_baskets([["p-4711", "p-9"], ["p-9", "p-10"]])
    catalogue = {p: Recommendable(f"Produkt {p}", f"https://johns-apparel.de/products/{p}") for p
                 in ("p-9", "p-10")}
    for key in ("recommendations", "survey", "newsletter"):
        shop.modules.append(ShopModule(key=key, enabled=True, settings={"voucher_code": "DANKE5"}))
    save_derived(shop, "recommendations",
                 derived_table(orders, pairs, catalogue, datetime.now(timezone.utc), "platform"))
    db.session.commit()
    facts = order_status(order_view(order), "de")
    assert {"recommendations", "survey", "newsletter"} <= facts["modules"].keys()
    assert_valid(schema_validator(spec, "OrderStatus"), facts)
    answered = client.post("/api/v1/survey", json={"order_id": "gid://shopify/Order/450789469", "score": 8},
                           headers={"Authorization": f"Bearer {session_token()}"})
    assert (answered.status_code == 200
            and answered.get_json()["modules"]["survey"]["voucher_code"] == "DANKE5")
    assert_valid(schema_validator(spec, "OrderStatus"), answered.get_json())
    signed_up = client.post("/api/v1/newsletter", json={"order_id": "gid://shopify/Order/450789469"},
                            headers={"Authorization": f"Bearer {session_token()}"})
    assert signed_up.status_code == 200
    assert_valid(schema_validator(spec, "NewsletterAnswer"), signed_up.get_json())
