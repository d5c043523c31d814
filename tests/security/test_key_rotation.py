"""`flask keys rotate`: after it, the old encryption key can go and every secret still reads."""
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, text

from app import create_app, crypto
from app.cli import keys_cli
from app.extensions import db
from app.models import Shop

SECRETS = ("access_token", "refresh_token", "api_key", "api_secret", "webhook_secret")


@pytest.fixture
def keys(encryption_key):
    """Key A (the one the app started with) and a new key B; the keyring is put back after."""
    yield encryption_key, Fernet.generate_key().decode()
    crypto.configure_keys(encryption_key)


def _start(config, key_spec: str):
    """Start the app as a deploy would, with TOKEN_ENCRYPTION_KEY=key_spec."""
    started = create_app({**config, "TOKEN_ENCRYPTION_KEY": key_spec})
    db.session.remove()
    return started


def _shops() -> dict[int, dict]:
    """Seven shops under the current key, with every secret column used and some left empty."""
    shops = [Shop(platform="woocommerce", domain=f"https://laden{i}.example", api_key=f"ck_{i}",
                  api_secret=f"cs_{i}", webhook_secret=f"wh_{i}") for i in range(5)]
    shops += [Shop(platform="shopify", domain="a.myshopify.com", access_token="shpat_a",
                   refresh_token="shprt_a"),
              Shop(platform="shopify", domain="b.myshopify.com", access_token="shpat_b")]
    db.session.add_all(shops)
    db.session.commit()
    return {s.id: {name: getattr(s, name) for name in SECRETS} for s in shops}


def _stored(column: str) -> list[str]:
    return [v for v in db.session.execute(text(f"SELECT {column} FROM shops ORDER BY id")).scalars() if v]


def _rotate(app, *args):
    return app.test_cli_runner().invoke(keys_cli, ["rotate", *args])


def test_rotation_re_encrypts_every_secret_so_the_old_key_can_be_dropped(app, config, keys):
    key_a, key_b = keys
    expected = _shops()

    # Dropping A without rotating: reading a shop fails loudly, never a silent None.
    _start(config, key_b)
    with pytest.raises(ValueError, match="cannot be decrypted"):
        db.session.scalars(select(Shop)).all()
    db.session.rollback()

    rotating = _start(config, f"{key_b},{key_a}")
    result = _rotate(rotating, "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert "shops (access_token, refresh_token, api_key, api_secret, webhook_secret): 3 rows" in result.output
    assert "18 re-encrypted, 0 already under the first key" in result.output.splitlines()[-1]
    for column in SECRETS:
        for stored in _stored(column):
            with pytest.raises(InvalidToken):
                Fernet(key_a).decrypt(stored.encode())

    _start(config, key_b)
    read = {s.id: {name: getattr(s, name) for name in SECRETS} for s in db.session.scalars(select(Shop))}
    assert read == expected

    # Running it again changes nothing and says so.
    before = {column: _stored(column) for column in SECRETS}
    again = _rotate(rotating)
    assert again.exit_code == 0 and "0 re-encrypted, 18 already under the first key" in again.output
    assert {column: _stored(column) for column in SECRETS} == before


def test_a_secret_no_configured_key_reads_fails_the_rotation_by_name_and_is_left(app, config, keys):
    key_a, key_b = keys
    lost = Shop(platform="shopify", domain="lost.myshopify.com", access_token="shpat_lost")
    db.session.add(lost)
    db.session.commit()
    raw_lost = _stored("access_token")[0]
    key_c = Fernet.generate_key().decode()
    _start(config, key_c)
    kept = Shop(platform="shopify", domain="kept.myshopify.com", access_token="shpat_kept")
    db.session.add(kept)
    db.session.commit()

    result = _rotate(_start(config, f"{key_b},{key_c}"))  # key A, which wrote `lost`, is missing
    assert result.exit_code != 0
    assert "1 stored secret(s) cannot be decrypted" in result.output
    assert f"shops.access_token id={lost.id}" in result.output and "1 re-encrypted" in result.output
    assert _stored("access_token")[0] == raw_lost
    _start(config, key_b)
    assert db.session.get(Shop, kept.id).access_token == "shpat_kept"
