"""Secrets are encrypted at rest and survive key rotation."""
from cryptography.fernet import Fernet
from sqlalchemy import text

from app import crypto
from app.extensions import db
from app.models import Shop


def test_tokens_are_not_stored_in_plain_text(app):
    shop = Shop(platform="shopify", domain="enc.myshopify.com", access_token="shpat_secret_value")
    db.session.add(shop)
    db.session.commit()
    raw = db.session.execute(text("SELECT access_token FROM shops WHERE id = :id"), {"id": shop.id}).scalar()
    assert "shpat_secret_value" not in raw
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).access_token == "shpat_secret_value"


def test_rotation_keeps_old_values_readable(app, encryption_key):
    old_token = crypto.encrypt("woo-consumer-secret")
    new_key = Fernet.generate_key().decode()
    crypto.configure_keys(f"{new_key},{encryption_key}")
    try:
        assert crypto.decrypt(old_token) == "woo-consumer-secret"
        rotated = crypto.rotate(old_token)
        crypto.configure_keys(new_key)
        assert crypto.decrypt(rotated) == "woo-consumer-secret"
    finally:
        crypto.configure_keys(encryption_key)
