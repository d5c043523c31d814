"""A fake WooCommerce REST v3 API on loopback, speaking the documented wire format.

`/wp-json/wc/v3/orders` (page, per_page ≤ 100, modified_after + dates_are_gmt, include;
`X-WP-Total` / `X-WP-TotalPages`), `/orders/<id>`, `/products` (include; deleted ones are
simply absent, as in WooCommerce), `/webhooks` (list, create with
topic/delivery_url validation and 201, get, update, delete with force=true), `POST /coupons`
(201; 400 woocommerce_rest_coupon_code_already_exists; 401 woocommerce_rest_cannot_create for
read-only keys). Auth as
`WC_REST_Authentication`: over https Basic (or consumer_key/consumer_secret in the query);
over plain http OAuth 1.0a one-legged with its signature, ±15 min timestamp and nonce
replay checks. Over https it serves a self-signed certificate written next to the key;
the client trusts it through `ca_path`.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import math
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

API = "/wp-json/wc/v3"
VALID_TOPICS = {f"{r}.{e}" for r in ("order", "product", "customer", "coupon")
                for e in ("created", "updated", "deleted", "restored")}
TOPIC_HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
}

# What WordPress answers for a failure the test asks for: a permission refusal as
# WC_REST_Controller's permission checks word it, anything else as a generic failure.
FAILURES = {403: ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")}
MAINTENANCE_PAGE = "<!doctype html><title>Briefly unavailable for scheduled maintenance.</title>"


def _error(code: str, message: str, status: int, **data):
    return jsonify(code=code, message=message, data={"status": status, **data}), status


def _money(value) -> str:  # wc_format_decimal(…, 2): amounts come back as "10.00"
    return f"{float(value or 0):.2f}"


def _rawurlencode(value: str) -> str:  # PHP: RFC 3986, then wc_rest_urlencode_rfc3986's swaps
    return quote(str(value), safe="").replace("%7E", "~")


@dataclass
class FakeStoreState:
    orders: dict = field(default_factory=dict)  # id → REST order JSON
    products: dict = field(default_factory=dict)  # id → REST product JSON
    webhooks: dict = field(default_factory=dict)  # id → webhook JSON
    coupons: dict = field(default_factory=dict)  # id → coupon JSON as answered
    # Keys with read permission only: WooCommerce answers writes 401 woocommerce_rest_cannot_create.
    read_only_keys: bool = False
    requests: list = field(default_factory=list)  # (method, path, query, auth kind)
    fail_next: list = field(default_factory=list)  # statuses to answer before anything else
    html_next: int = 0  # answer 200 with an HTML page (maintenance mode, a security plugin)
    nonces: set = field(default_factory=set)
    next_webhook_id: int = 1
    # The companion plugin's side of a connection (theme_blocks/…/includes/connect.php):
    # the claim its Connect button made, and the settings the app handed it.
    plugin_claim: str | None = None
    plugin_settings: dict | None = None


class FakeWooCommerce:
    def __init__(self, consumer_key: str, consumer_secret: str, tls_dir=None):
        self.key, self.secret = consumer_key, consumer_secret
        self.state = FakeStoreState()
        self.lock = threading.Lock()
        ssl_context, self.ca_path = (None, None)
        if tls_dir is not None:
            ssl_context, self.ca_path = _self_signed(tls_dir)
        self.server = make_server("127.0.0.1", 0, self._build_app(), threaded=True, ssl_context=ssl_context)
        scheme = "https" if ssl_context else "http"
        self.store_url = f"{scheme}://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeWooCommerce:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    # -- test helpers --------------------------------------------------------------------

    def put_order(self, payload: dict, modified_gmt: str) -> dict:
        """Store (or overwrite) an order as WooCommerce would after a save at `modified_gmt`."""
        order = {**payload, "date_modified_gmt": modified_gmt, "date_modified": modified_gmt}
        with self.lock:
            self.state.orders[int(order["id"])] = order
        return order

    def calls(self, method: str, path: str) -> list:
        return [r for r in self.state.requests if r[0] == method and r[1] == f"{API}/{path}"]

    # -- the API -------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake-woocommerce")

        @app.before_request
        def gate():
            if request.path == "/" and request.args.get("rest_route", "").startswith("/aftersales/"):
                return self._plugin_route()
            auth = self._authenticate()
            with self.lock:
                self.state.requests.append((request.method, request.path, request.args.to_dict(), auth))
                if self.state.fail_next:
                    status = self.state.fail_next.pop(0)
                    code, message = FAILURES.get(status, ("fake_failure", "Service Unavailable"))
                    return _error(code, message, status)
                if self.state.html_next:
                    self.state.html_next -= 1
                    return MAINTENANCE_PAGE, 200
            if auth.startswith("denied"):
                return _error("woocommerce_rest_authentication_error", auth.split(":", 1)[1], 401)
            return None

        @app.get(f"{API}/not-an-endpoint-html")
        def html_page():  # what a maintenance-mode or security plugin serves with 200
            return MAINTENANCE_PAGE, 200

        @app.get(f"{API}/orders")
        def list_orders():
            args = request.args
            gmt = args.get("dates_are_gmt") in ("true", "1")
            orders = sorted(self.state.orders.values(),
                            key=lambda o: (o.get("date_created_gmt") or "", o["id"]), reverse=True)
            if args.get("modified_after"):
                column = "date_modified_gmt" if gmt else "date_modified"
                since = args["modified_after"].replace("Z", "")[:19]
                orders = [o for o in orders if (o.get(column) or "") > since]
            if args.get("include"):
                wanted = {int(i) for i in args["include"].split(",") if i.strip()}
                orders = [o for o in orders if o["id"] in wanted]
            orders = [o for o in orders if o.get("status") != "trash"]
            return self._page(orders)

        @app.get(f"{API}/orders/<int:order_id>")
        def get_order(order_id):
            order = self.state.orders.get(order_id)
            if order is None:
                return _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
            return jsonify(order)

        @app.get(f"{API}/products")
        def list_products():
            products = sorted(self.state.products.values(), key=lambda p: p["id"], reverse=True)
            if request.args.get("include"):
                wanted = {int(i) for i in request.args["include"].split(",") if i.strip()}
                products = [p for p in products if p["id"] in wanted]
            return self._page(products)

        @app.get(f"{API}/webhooks")
        def list_webhooks():
            hooks = sorted(self.state.webhooks.values(), key=lambda w: w["id"], reverse=True)
            status = request.args.get("status", "all")
            if status != "all":
                hooks = [w for w in hooks if w["status"] == status]
            return self._page(hooks)

        @app.post(f"{API}/webhooks")
        def create_webhook():
            body = request.get_json(force=True)
            if body.get("topic") not in VALID_TOPICS:
                return _error("rest_invalid_param", "Invalid parameter(s): topic", 400)
            if not str(body.get("delivery_url", "")).startswith(("http://", "https://")):
                return _error("rest_invalid_param", "Invalid parameter(s): delivery_url", 400)
            with self.lock:
                webhook_id = self.state.next_webhook_id
                self.state.next_webhook_id += 1
                now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
                resource, event = body["topic"].split(".")
                hook = {"id": webhook_id, "name": body.get("name") or "Webhook",
                        "status": body.get("status", "active"),
                        "topic": body["topic"], "resource": resource, "event": event,
                        "hooks": TOPIC_HOOKS.get(body["topic"], []), "delivery_url": body["delivery_url"],
                        "date_created": now, "date_created_gmt": now, "date_modified": now,
                        "date_modified_gmt": now,
                        "_links": {"self": [{"href": f"{self.store_url}{API}/webhooks/{webhook_id}"}],
                                   "collection": [{"href": f"{self.store_url}{API}/webhooks"}]}}
                self.state.webhooks[webhook_id] = {**hook, "secret": body.get("secret") or "generated"}
            return jsonify(self._public(hook)), 201

        @app.post(f"{API}/coupons")
        def create_coupon():
            return self._create_coupon(request.get_json(force=True))

        @app.route(f"{API}/webhooks/<int:webhook_id>", methods=["GET", "PUT", "DELETE"])
        def one_webhook(webhook_id):
            hook = self.state.webhooks.get(webhook_id)
            if hook is None:
                return _error("woocommerce_rest_webhook_invalid_id", "Invalid ID.", 404)
            if request.method == "PUT":
                body = request.get_json(force=True)
                if "status" in body and body["status"] not in ("active", "paused", "disabled"):
                    return _error("rest_invalid_param", "Invalid parameter(s): status", 400)
                with self.lock:
                    hook.update({k: body[k] for k in ("name", "status", "topic", "delivery_url", "secret")
                                 if k in body})
            elif request.method == "DELETE":
                if request.args.get("force") not in ("true", "1"):
                    return _error("woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.",
                                  501)
                del self.state.webhooks[webhook_id]
            return jsonify(self._public(hook))

        return app

    def _plugin_route(self):
        """`POST /?rest_route=/aftersales/v1/connection` as the plugin and WordPress answer it."""
        with self.lock:
            self.state.requests.append((request.method, request.args["rest_route"], {}, "plugin"))
        if request.args["rest_route"] != "/aftersales/v1/connection" or request.method != "POST":
            return _error("rest_no_route", "No route was found matching the URL and request method.", 404)
        if request.authorization is not None:  # core: Basic credentials that are no application password
            return _error("incorrect_password", "The provided password is an invalid application password.",
                          401)
        body = request.get_json(silent=True) or {}
        claim = self.state.plugin_claim
        if not claim or not isinstance(body.get("claim"), str) or not hmac.compare_digest(
                hashlib.sha256(body["claim"].encode()).hexdigest(),
                hashlib.sha256(claim.encode()).hexdigest()):
            return _error("aftersales_unknown_claim", "No connection was started from this store.", 403)
        with self.lock:
            self.state.plugin_claim = None
            self.state.plugin_settings = {k: body.get(k) for k
                                          in ("shop_key", "secret", "app_url", "app_name")}
        return jsonify(connected=True)

    def _create_coupon(self, body: dict):
        """As WC_REST_Coupons_Controller::create_item: permission, required code, enum
        discount_type, unique code (compared case-insensitively), 201 with the coupon."""
        if self.state.read_only_keys:
            return _error("woocommerce_rest_cannot_create",
                          "Sorry, you are not allowed to create resources.", 401)
        if not body.get("code"):
            return _error("rest_missing_callback_param", "Missing parameter(s): code", 400,
                          params=["code"])
        kind = body.get("discount_type", "fixed_cart")
        if kind not in ("percent", "fixed_cart", "fixed_product"):
            return _error("rest_invalid_param", "Invalid parameter(s): discount_type", 400, params={
                "discount_type": "discount_type is not one of percent, fixed_cart, and fixed_product."})
        code = str(body["code"]).strip()
        with self.lock:
            if any(c["code"].lower() == code.lower() for c in self.state.coupons.values()):
                return _error("woocommerce_rest_coupon_code_already_exists",
                              "The coupon code already exists", 400)
            coupon_id = 700 + len(self.state.coupons) + 1
            now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            expires = body.get("date_expires_gmt") or body.get("date_expires")
            coupon = {
                "id": coupon_id, "code": code, "amount": _money(body.get("amount")),
                "status": "publish", "date_created": now, "date_created_gmt": now,
                "date_modified": now, "date_modified_gmt": now, "discount_type": kind,
                "description": body.get("description", ""), "date_expires": expires,
                "date_expires_gmt": expires, "usage_count": 0,
                "individual_use": bool(body.get("individual_use", False)), "product_ids": [],
                "excluded_product_ids": [], "usage_limit": body.get("usage_limit"),
                "usage_limit_per_user": body.get("usage_limit_per_user"),
                "limit_usage_to_x_items": None, "free_shipping": False, "product_categories": [],
                "excluded_product_categories": [], "exclude_sale_items": False,
                "minimum_amount": _money(body.get("minimum_amount")), "maximum_amount": "0.00",
                "email_restrictions": list(body.get("email_restrictions") or []),
                "used_by": [], "meta_data": [],
                "_links": {"self": [{"href": f"{self.store_url}{API}/coupons/{coupon_id}"}],
                           "collection": [{"href": f"{self.store_url}{API}/coupons"}]}}
            self.state.coupons[coupon_id] = coupon
        return jsonify(coupon), 201

    @staticmethod
    def _public(hook: dict) -> dict:
        return {k: v for k, v in hook.items() if k != "secret"}

    def _page(self, items: list):
        args = request.args
        try:
            per_page, page = int(args.get("per_page", 10)), int(args.get("page", 1))
        except ValueError:
            return _error("rest_invalid_param", "Invalid parameter(s): per_page, page", 400)
        if not 1 <= per_page <= 100:
            return _error("rest_invalid_param", "Invalid parameter(s): per_page", 400,
                          params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"})
        response = jsonify(items[(page - 1) * per_page: page * per_page])
        response.headers["X-WP-Total"] = str(len(items))
        response.headers["X-WP-TotalPages"] = str(math.ceil(len(items) / per_page))
        return response

    # -- authentication (WC_REST_Authentication) -----------------------------------------

    def _authenticate(self) -> str:
        if request.scheme == "https":
            if request.authorization and request.authorization.type == "basic":
                ok = (request.authorization.username, request.authorization.password) == (self.key,
                                                                                          self.secret)
                return "basic" if ok else "denied:Consumer secret is invalid."
            if request.args.get("consumer_key"):
                ok = (request.args.get("consumer_key"), request.args.get("consumer_secret")) == (self.key,
                                                                                                 self.secret)
                return "query" if ok else "denied:Consumer secret is invalid."
            return "denied:Sorry, you cannot list resources."
        return self._check_oauth()

    def _check_oauth(self) -> str:
        params = request.args.to_dict()
        required = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature",
                    "oauth_signature_method")
        missing = [p for p in required if p not in params]
        if missing:
            return "denied:Missing OAuth parameter " + ", ".join(missing)
        if params["oauth_consumer_key"] != self.key:
            return "denied:Consumer key is invalid."
        if abs(int(params["oauth_timestamp"]) - time.time()) > 15 * 60:
            return "denied:Invalid timestamp."
        provided = params.pop("oauth_signature").replace(" ", "+")
        method = params["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return "denied:Invalid signature method."
        base_uri = _rawurlencode(f"{self.store_url}{request.path}")
        normalised = {_rawurlencode(k): _rawurlencode(v) for k, v in params.items()}
        query = "%26".join(_rawurlencode(f"{k}={normalised[k]}") for k in sorted(normalised))
        to_sign = f"{request.method}&{base_uri}&{query}"
        digest = hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256
        expected = base64.b64encode(hmac.new(f"{self.secret}&".encode(), to_sign.encode(), digest)
                                    .digest()).decode()
        if not hmac.compare_digest(expected, provided):
            return "denied:Invalid signature - provided signature does not match."
        with self.lock:
            if params["oauth_nonce"] in self.state.nonces:
                return "denied:Invalid nonce - nonce has already been used."
            self.state.nonces.add(params["oauth_nonce"])
        return "oauth1"


def _self_signed(directory) -> tuple[object, str]:
    """A certificate for 127.0.0.1/localhost (its own CA), the key, and an SSL context."""
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-woocommerce")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = f"{directory}/store.crt", f"{directory}/store.key"
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path
