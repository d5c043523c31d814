"""Find my order by number + e-mail: both must match, misses say nothing, attempts are limited."""
import pytest

from app.extensions import db
from app.links.tracking_page import tracking_token
from tests.support.factories import make_order


@pytest.fixture
def order(shop):
    order = make_order(shop, platform_order_id="820982911946154508")
    order.name = "#1001"
    order.customer.email = "Jon@Example.com"
    db.session.commit()
    return order


def lookup(client, shop, number, email, **environ):
    return client.post(f"/s/{shop.shop_key}/track", data={"number": number, "email": email},
                       environ_base=environ)


def test_the_form_is_in_the_shops_language(client, shop):
    page = client.get(f"/s/{shop.shop_key}/track")
    assert page.status_code == 200
    assert "Bestellnummer" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_number_and_email_lead_to_the_tracking_page(client, shop, order):
    for number, email in (("1001", "jon@example.com"), ("#1001", " JON@example.com ")):
        response = lookup(client, shop, number, email)
        assert response.status_code == 303
        assert response.headers["Location"] == f"/t/{tracking_token(order)}"


def test_a_miss_says_the_same_whichever_half_was_wrong(client, shop, order):
    wrong_email = lookup(client, shop, "1001", "someone@example.com")
    wrong_number = lookup(client, shop, "1002", "jon@example.com")
    assert wrong_email.status_code == wrong_number.status_code == 404
    assert wrong_email.get_data(as_text=True) == wrong_number.get_data(as_text=True).replace('value="1002"',
                                                                                             'value="1001"')
    assert "Wir finden keine Bestellung" in wrong_email.get_data(as_text=True)


def test_another_shops_order_is_not_found(client, shop, order):
    from app.models import Shop

    other = Shop(platform="shopify", domain="other.myshopify.com", name="Other", locale="en")
    db.session.add(other)
    db.session.commit()
    assert lookup(client, other, "1001", "jon@example.com").status_code == 404


def test_missing_fields_are_400(client, shop):
    assert lookup(client, shop, "", "jon@example.com").status_code == 400
    assert lookup(client, shop, "1001", "not-an-address").status_code == 400


def test_attempts_are_limited_per_email_even_from_many_addresses(client, shop, order):
    answers = [lookup(client, shop, str(2000 + n), "jon@example.com", REMOTE_ADDR=f"10.0.0.{n}").status_code
               for n in range(6)]
    assert answers == [404] * 5 + [429]
    # the right answer is refused too while the limit holds: no walking through numbers
    limited = lookup(client, shop, "1001", "jon@example.com", REMOTE_ADDR="10.0.1.1")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "600"


def test_attempts_are_limited_per_address(client, shop, order):
    answers = [lookup(client, shop, "1001", f"guess{n}@example.com", REMOTE_ADDR="10.9.9.9").status_code
               for n in range(11)]
    assert answers == [404] * 10 + [429]


def test_unknown_shop_is_404(client):
    assert client.get("/s/no-such-shop/track").status_code == 404


def test_unsubscribe_posts_are_limited_per_address(client, monkeypatch):
    import app.web.unsubscribe as unsubscribe_view

    monkeypatch.setattr(unsubscribe_view, "PER_ADDRESS", (2, 60))
    answers = [client.post("/u/not-a-token", environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code
               for _ in range(3)]
    assert answers == [404, 404, 429]


def test_without_redis_the_limit_lets_requests_through(app, monkeypatch):
    import redis

    from app.extensions import queues
    from app.rate_limits import allow

    def broken(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(queues.redis, "pipeline", broken)
    assert all(allow("test", "subject", 1, 60) for _ in range(3))
