"""Secrets are encrypted at rest and survive key rotation."""
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app.extensions import db
from app.keys import encryption as crypto
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


def test_a_retired_key_no_longer_decrypts_even_what_was_read_before(app, encryption_key):
    """Decryptions are remembered per ciphertext; a new keyring must forget them."""
    token = crypto.encrypt("shpat_remembered")
    assert crypto.decrypt(token) == crypto.decrypt(token) == "shpat_remembered"
    crypto.configure_keys(Fernet.generate_key().decode())
    try:
        with pytest.raises(ValueError, match="cannot be decrypted"):
            crypto.decrypt(token)
    finally:
        crypto.configure_keys(encryption_key)
