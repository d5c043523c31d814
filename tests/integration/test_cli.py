"""The command line: register shops without OAuth, replay deliveries, run the dispatcher."""
from sqlalchemy import select

from app.extensions import db
from app.models import DeliveryState, Shop, WebhookDelivery
from tests.support.payload_files import load_payload


def test_add_shopify_shop_prints_webhook_url(app):
    result = app.test_cli_runner().invoke(args=[
        "shops", "add", "shopify", "--domain", "Cli-Shop.myshopify.com", "--access-token", "shpat_1"])
    assert result.exit_code == 0, result.output
    assert "https://app.example.test/webhooks/shopify" in result.output
    shop = db.session.scalars(select(Shop)).one()
    assert (shop.domain, shop.access_token) == ("cli-shop.myshopify.com", "shpat_1")


def test_add_shopify_shop_refuses_foreign_domain(app):
    result = app.test_cli_runner().invoke(args=[
        "shops", "add", "shopify", "--domain", "example.com", "--access-token", "x"])
    assert result.exit_code != 0 and "myshopify.com" in result.output


def test_add_woocommerce_shop_keeps_keys_encrypted_and_prints_its_own_url(app):
    result = app.test_cli_runner().invoke(args=[
        "shops", "add", "woocommerce", "--url", "https://laden.example/", "--key", "ck_1",
        "--secret", "cs_1", "--webhook-secret", "whsec"])
    assert result.exit_code == 0, result.output
    shop = db.session.scalars(select(Shop)).one()
    assert shop.domain == "https://laden.example"
    assert (shop.api_key, shop.api_secret, shop.webhook_secret) == ("ck_1", "cs_1", "whsec")
    assert f"/webhooks/woocommerce/{shop.shop_key}" in result.output


def test_replay_processes_a_stored_delivery_again(app, shop, post_shopify):
    assert post_shopify("orders/create", load_payload("shopify/orders_create.json"), "r-1").status_code == 200
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    result = app.test_cli_runner().invoke(args=["deliveries", "replay", str(delivery.id), "--now"])
    assert result.exit_code == 0, result.output
    assert "order" in result.output
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).state == DeliveryState.PROCESSED


def test_replay_of_unknown_delivery_is_an_error(app):
    result = app.test_cli_runner().invoke(args=["deliveries", "replay", "999"])
    assert result.exit_code != 0 and "no delivery 999" in result.output


def test_admin_link_signs_in_once_to_a_woocommerce_shops_admin(app, client, shop):
    woo = Shop(platform="woocommerce", domain="https://laden.example", name="Laden", webhook_secret="whsec_x")
    db.session.add(woo)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["shops", "admin-link", str(woo.id)])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("https://app.example.test/admin/login?token=")
    path = link.removeprefix("https://app.example.test")
    assert client.get(path).status_code == 303
    assert client.get("/admin/").status_code == 200
    assert client.get(path).status_code == 403  # one use


def test_admin_link_refuses_a_shopify_shop(app, shop):
    result = app.test_cli_runner().invoke(args=["shops", "admin-link", str(shop.id)])
    assert result.exit_code != 0 and "App Bridge" in result.output
