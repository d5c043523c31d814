"""A realistic day: orders placed along an hourly curve with a 10× peak hour, each followed
through its whole life as the platform reports it (payment, parcels with tracking, carrier
scans, failed attempts, cancellations, refunds), as webhook steps in time order.

Times are seconds of simulated time from the day's midnight; the wire module turns them
into timestamps. Deterministic: the same seed gives the same steps, byte for byte.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace

from bench.scale.shops import Product, ShopProfile, customer_email

HOUR = 3600.0
# Share of a day's orders per hour (00–23), an online shop's usual shape; mean 1.
BASE_CURVE = (0.35, 0.2, 0.12, 0.1, 0.1, 0.15, 0.35, 0.6, 0.9, 1.1, 1.25, 1.3,
              1.35, 1.3, 1.25, 1.2, 1.2, 1.3, 1.45, 1.6, 1.7, 1.55, 1.1, 0.65)
PEAK_HOUR, PEAK_FACTOR = 20, 10.0  # the campaign hour: 10× the mean hour

P_PENDING_PAYMENT = 0.2  # bank transfer, invoice: paid hours later
P_CANCELLED = 0.02
P_SPLIT = 0.1  # two parcels
P_ATTEMPT = 0.05  # a failed delivery attempt before delivery
P_FAILURE = 0.01  # the carrier gives up (exception), never delivered
P_REFUND = 0.03
P_RETURNED = 0.6  # of refunds: goods came back (else money only)
P_DUPLICATE = 0.01  # the platform sends the same delivery again
P_RETURNING_BUYER = 0.25
P_SUBSCRIBED = 0.3
CARRIERS = (("DHL", "dhl", 20), ("DPD", "dpd", 14), ("Hermes", "hermes", 14), ("GLS", "gls", 12),
            ("UPS", "ups", 18))
COUNTRIES = (("DE", 0.8), ("AT", 0.08), ("CH", 0.04), ("NL", 0.03), ("FR", 0.03), ("US", 0.02))


@dataclass(frozen=True)
class Buyer:
    email: str
    customer_id: int
    locale: str
    country: str
    subscribed: bool


@dataclass(frozen=True)
class Line:
    line_id: int
    product: Product
    quantity: int


@dataclass(frozen=True)
class Parcel:
    fulfillment_id: int
    carrier: str
    carrier_slug: str
    tracking_number: str
    lines: tuple[tuple[int, int], ...]  # (line id, quantity)
    shipped: float


@dataclass(frozen=True)
class Refund:
    refund_id: int
    at: float
    lines: tuple[tuple[int, int], ...]
    returned: bool
    amount: str
    full: bool


@dataclass(frozen=True)
class Order:
    shop: ShopProfile
    order_id: int
    number: int
    placed: float
    buyer: Buyer
    lines: tuple[Line, ...]
    order_key: str

    @property
    def total(self) -> str:
        return f"{sum(float(line.product.price) * line.quantity for line in self.lines):.2f}"


@dataclass(frozen=True)
class State:
    """What the platform shows about the order at one moment."""
    updated: float
    financial: str = "pending"  # pending, paid, partially_refunded, refunded, voided
    cancelled: float | None = None
    parcels: tuple[tuple[Parcel, str], ...] = ()  # (parcel, Shopify shipment_status)
    refunds: tuple[Refund, ...] = ()


@dataclass(frozen=True)
class Step:
    """One webhook delivery: sent at `send_at`, about the event at `at`."""
    send_at: float
    at: float
    order: Order
    topic: str
    seq: int  # the delivery's number within its order: its ids derive from it
    state: State
    parcel: Parcel | None = None
    status: str | None = None  # the carrier status of a fulfillment event
    refund: Refund | None = None
    duplicate: bool = False


def hourly_weights() -> list[float]:
    weights = list(BASE_CURVE)
    weights[PEAK_HOUR] = PEAK_FACTOR * (sum(BASE_CURVE) / len(BASE_CURVE))
    return weights


def make_orders(shops: list[ShopProfile], count: int, seed: int, *, returning: dict[int, int] | None = None,
                first_order_id: int = 5_000_000_000_000, day: int = 0) -> list[Order]:
    """`count` orders of one day over the shops by their weights, placed along the hourly curve.

    `returning` (shop index → number of known buyers) lets a quarter of the buyers be ones
    the shop already has (customer_email numbers below that count).
    """
    rng = random.Random(f"orders:{seed}:{day}")
    weights = hourly_weights()
    orders = []
    for n in range(count):
        shop = rng.choices(shops, weights=[s.weight for s in shops])[0]
        hour = rng.choices(range(24), weights=weights)[0]
        placed = hour * HOUR + rng.random() * HOUR
        known = (returning or {}).get(shop.index, 0)
        if known and rng.random() < P_RETURNING_BUYER:
            number = rng.randrange(known)
            email, customer_id = customer_email(shop,
                                                number), 9_000_000_000 + shop.index * 10_000_000 + number
        else:
            email, customer_id = customer_email(shop, n,
                                                prefix=f"d{day}-"), 8_000_000_000 + day * 10_000_000 + n
        country = rng.choices([c for c, _ in COUNTRIES], weights=[w for _, w in COUNTRIES])[0]
        buyer = Buyer(email=email, customer_id=customer_id, locale=rng.choice(("de", "de", "en")),
                      country=country, subscribed=rng.random() < P_SUBSCRIBED)
        order_id = first_order_id + n * 100
        lines = tuple(Line(line_id=order_id + 1 + i, product=product, quantity=rng.choice((1, 1, 1, 2, 3)))
                      for i, product in enumerate(rng.sample(shop.products, rng.choice((1, 1, 2, 2, 3)))))
        orders.append(Order(shop=shop, order_id=order_id, number=1000 + n, placed=placed, buyer=buyer,
                            lines=lines, order_key=f"wc_order_{rng.getrandbits(48):012x}"))
    return orders


def _tracking_number(rng: random.Random, slug: str, digits: int) -> str:
    if slug == "ups":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    return "".join(rng.choice("0123456789") for _ in range(digits))


def _parcels(rng: random.Random, order: Order, shipped: float) -> tuple[Parcel, ...]:
    carrier, slug, digits = rng.choice(CARRIERS)
    groups = [order.lines]
    if len(order.lines) > 1 and rng.random() < P_SPLIT:
        groups = [order.lines[:1], order.lines[1:]]
    return tuple(Parcel(fulfillment_id=order.order_id + 50 + i, carrier=carrier, carrier_slug=slug,
                        tracking_number=_tracking_number(rng, slug, digits),
                        lines=tuple((line.line_id, line.quantity) for line in group),
                        shipped=shipped + i * 600) for i, group in enumerate(groups))


def lifecycle(order: Order, seed: int) -> list[Step]:
    """Every delivery the platform sends about this order, in the order it sends them."""
    rng = random.Random(f"life:{seed}:{order.order_id}")
    shopify = order.shop.platform == "shopify"
    steps: list[Step] = []

    def emit(at: float, state: State, *topics: str, **extra) -> None:
        for topic in topics:
            steps.append(Step(send_at=at, at=at, order=order, topic=topic, seq=len(steps), state=state,
                              **extra))

    pending = rng.random() < P_PENDING_PAYMENT
    state = State(updated=order.placed, financial="pending" if pending else "paid")
    emit(order.placed, state, *(("orders/create",) if shopify else ("order.created", "order.updated")))
    paid_at = order.placed + (rng.uniform(2, 20) * HOUR if pending else rng.uniform(5, 60))
    state = replace(state, updated=paid_at, financial="paid")
    emit(paid_at, state, *(("orders/paid", "orders/updated") if shopify else ("order.updated",) * pending))
    if rng.random() < P_CANCELLED:
        at = paid_at + rng.uniform(1, 10) * HOUR
        refund = Refund(refund_id=order.order_id + 90, at=at,
                        lines=tuple((li.line_id, li.quantity) for li in order.lines),
                        returned=False, amount=order.total, full=True)
        state = replace(state, updated=at, financial="refunded", cancelled=at, refunds=(refund,))
        if shopify:
            emit(at, state, "orders/cancelled")
            emit(at, state, "refunds/create", refund=refund)
        else:
            emit(at, state, "order.updated")
        return _with_duplicates(rng, steps)
    shipped = paid_at + rng.uniform(3, 28) * HOUR
    parcels = _parcels(rng, order, shipped)
    state = replace(state, updated=shipped, parcels=tuple((p, "confirmed") for p in parcels))
    if shopify:
        for parcel in parcels:
            emit(parcel.shipped, state, "fulfillments/create", parcel=parcel)
        emit(parcels[-1].shipped, state, "orders/updated")
    else:
        emit(shipped, state, "order.updated")
    scans = [("in_transit", rng.uniform(2, 10) * HOUR)]
    if rng.random() < P_FAILURE:
        scans.append(("failure", rng.uniform(20, 50) * HOUR))
    else:
        if rng.random() < P_ATTEMPT:
            scans += [("out_for_delivery", rng.uniform(16, 30) * HOUR), ("attempted_delivery", 4 * HOUR)]
        scans += [("out_for_delivery", rng.uniform(16, 40) * HOUR), ("delivered", rng.uniform(1, 6) * HOUR)]
    at = shipped
    for status, gap in scans:
        at += gap
        state = replace(state, updated=at, parcels=tuple((p, status) for p, _ in state.parcels))
        if shopify:
            for parcel in parcels:
                emit(at, state, "fulfillments/update", parcel=parcel)
                emit(at, state, "fulfillment_events/create", parcel=parcel, status=status)
        elif status == "delivered" and order.shop.delivered_status:
            emit(at, state, "order.updated")
    if scans[-1][0] == "delivered" and rng.random() < P_REFUND:
        at += rng.uniform(6, 24) * HOUR
        returned = rng.random() < P_RETURNED
        line = order.lines[0]
        full = len(order.lines) == 1 and line.quantity == 1
        refund = Refund(refund_id=order.order_id + 90, at=at, lines=((line.line_id, 1),), returned=returned,
                        amount=line.product.price, full=full)
        state = replace(state, updated=at, refunds=(refund,),
                        financial="refunded" if full else "partially_refunded")
        if shopify:
            emit(at, state, "refunds/create", refund=refund)
            emit(at, state, "orders/updated")
        else:
            emit(at, state, "order.updated")
    return _with_duplicates(rng, steps)


def _with_duplicates(rng: random.Random, steps: list[Step]) -> list[Step]:
    """The platform's at-least-once delivery: now and then the same delivery again, later."""
    again = [replace(step, send_at=step.send_at + rng.uniform(30, 300), duplicate=True)
             for step in steps if rng.random() < P_DUPLICATE]
    return steps + again


def day_steps(orders: list[Order], seed: int) -> list[Step]:
    """All orders' deliveries, in the order they are sent."""
    steps = [step for order in orders for step in lifecycle(order, seed)]
    steps.sort(key=lambda step: (step.send_at, step.order.order_id, step.seq))
    return steps
