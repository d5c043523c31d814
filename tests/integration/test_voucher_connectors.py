"""Unique vouchers at the platform boundary: discountCodeBasicCreate and POST /coupons against
fakes that answer as Shopify and WooCommerce do, for success and each documented failure."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.base import (
    DiscountType,
    IssuedVoucher,
    VoucherCodeTaken,
    VoucherRefused,
    VoucherRequest,
)
from connectors.shopify.admin import AdminClient
from connectors.shopify.client import ReauthorizeRequired, ShopifyApiError
from connectors.woocommerce.client import KeysRefused, WooClient, WooCommerceApiError
from tests.support.fakes.shopify_admin import FakeShopify
from tests.support.woocommerce_store import CONSUMER_KEY, CONSUMER_SECRET

DOMAIN = "johns-apparel.myshopify.com"
START = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


def request(code="AB12-CD34-EF56", **changes) -> VoucherRequest:
    values = dict(
        code=code,
        title="Aftersales thank you #7",
        discount=DiscountType.PERCENT,
        value=Decimal("10"),
        starts_at=START,
        ends_at=START + timedelta(days=30),
        buyer_email="buyer-1001@example.com",
        buyer_platform_id="207119551",
        minimum_order=Decimal("50.00"),
    )
    return VoucherRequest(**{**values, **changes})


@pytest.fixture
def shopify():
    fake = FakeShopify().start()
    token = fake.issue_tokens(DOMAIN)["access_token"]
    waits = []
    yield fake, AdminClient(DOMAIN, token, fake.origin, sleep=waits.append), waits
    fake.stop()


def test_shopify_creates_a_single_use_code_for_the_buyers_customer_id(shopify):
    fake, admin, _ = shopify
    issued = admin.create_voucher(request())
    assert issued == IssuedVoucher(
        "AB12-CD34-EF56", "gid://shopify/DiscountCodeNode/1001", START + timedelta(days=30)
    )
    sent = fake.shop(DOMAIN).discounts[0]
    assert sent["context"] == {"customers": {"add": ["gid://shopify/Customer/207119551"]}}
    assert "customerSelection" not in sent  # deprecated in 2026-10: `context` replaces it
    assert (sent["usageLimit"], sent["appliesOncePerCustomer"]) == (1, True)
    assert sent["customerGets"] == {"value": {"percentage": 0.1}, "items": {"all": True}}
    assert sent["minimumRequirement"] == {"subtotal": {"greaterThanOrEqualToSubtotal": "50.00"}}
    assert (sent["startsAt"], sent["endsAt"]) == ("2026-11-23T09:00:00Z", "2026-12-23T09:00:00Z")


def test_shopify_fixed_amount_for_a_guest_goes_to_all_buyers_holding_the_code(shopify):
    fake, admin, _ = shopify
    admin.create_voucher(
        request(
            discount=DiscountType.FIXED,
            value=Decimal("5.00"),
            buyer_platform_id=None,
            minimum_order=None,
        )
    )
    sent = fake.shop(DOMAIN).discounts[0]
    assert sent["context"] == {"all": "ALL"} and "minimumRequirement" not in sent
    assert sent["customerGets"]["value"] == {
        "discountAmount": {"amount": "5.00", "appliesOnEachItem": False}
    }


def test_shopify_user_errors_code_taken_and_invalid(shopify):
    fake, admin, _ = shopify
    admin.create_voucher(request())
    with pytest.raises(VoucherCodeTaken, match="TAKEN"):
        admin.create_voucher(request(code="ab12-cd34-ef56"))  # codes are unique regardless of case
    with pytest.raises(VoucherRefused, match="VALUE_OUTSIDE_RANGE") as refused:
        admin.create_voucher(request(code="OTHER-1", value=Decimal("150")))
    assert not isinstance(refused.value, VoucherCodeTaken)
    assert len(fake.shop(DOMAIN).discounts) == 1


def test_shopify_throttled_is_waited_out_then_given_up(shopify):
    fake, admin, waits = shopify
    fake.shop(DOMAIN).throttle_next = 1
    assert admin.create_voucher(request()).code == "AB12-CD34-EF56"
    assert waits == [pytest.approx((252 - 12) / 100.0)]  # (requested - available) / restoreRate
    fake.shop(DOMAIN).throttle_next = 10
    with pytest.raises(ShopifyApiError, match="still throttled"):
        admin.create_voucher(request(code="OTHER-2"))


def test_shopify_401_asks_for_reauthorisation(shopify):
    fake, _, _ = shopify
    with pytest.raises(ReauthorizeRequired):
        AdminClient(DOMAIN, "shpat_revoked", fake.origin).create_voucher(request())
    assert fake.shop(DOMAIN).discounts == []


@pytest.fixture
def woo(fake_store):
    with WooClient(
        fake_store.store_url,
        CONSUMER_KEY,
        CONSUMER_SECRET,
        verify=fake_store.ca_path,
        sleep=lambda _s: None,
        allow_loopback=True,
    ) as client:
        yield fake_store, client


def test_woocommerce_creates_a_coupon_for_the_buyers_address(woo):
    fake, client = woo
    issued = client.create_coupon(request())
    coupon = fake.state.coupons[int(issued.platform_id)]
    assert issued == IssuedVoucher("AB12-CD34-EF56", "701", START + timedelta(days=30))
    assert (coupon["discount_type"], coupon["amount"], coupon["minimum_amount"]) == (
        "percent",
        "10.00",
        "50.00",
    )
    assert (coupon["usage_limit"], coupon["usage_limit_per_user"]) == (1, 1)
    assert coupon["email_restrictions"] == ["buyer-1001@example.com"]
    assert coupon["date_expires_gmt"] == "2026-12-23T09:00:00"
    client.create_coupon(
        request(
            code="FIXED-1", discount=DiscountType.FIXED, value=Decimal("4.99"), minimum_order=None
        )
    )
    assert [c["discount_type"] for c in fake.state.coupons.values()] == ["percent", "fixed_cart"]


def test_woocommerce_existing_code_is_code_taken(woo):
    fake, client = woo
    client.create_coupon(request())
    with pytest.raises(VoucherCodeTaken):
        client.create_coupon(request(code="ab12-cd34-ef56"))
    assert len(fake.state.coupons) == 1


def test_woocommerce_read_only_keys_are_refused(woo):
    fake, client = woo
    fake.state.read_only_keys = True
    with pytest.raises(KeysRefused, match="woocommerce_rest_cannot_create"):
        client.create_coupon(request())


def test_woocommerce_5xx_is_not_repeated_blindly(woo):
    """A POST is sent once: a 503 after the store made the coupon would otherwise make the
    retry look like someone else's code. The caller's retry handles it."""
    fake, client = woo
    fake.state.fail_next = [503]
    with pytest.raises(WooCommerceApiError) as failed:
        client.create_coupon(request())
    assert failed.value.status == 503 and not isinstance(failed.value, VoucherRefused)
    assert len(fake.calls("POST", "coupons")) == 1 and fake.state.coupons == {}
