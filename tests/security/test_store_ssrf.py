"""A WooCommerce store address as an SSRF lever, from the side of whoever types it in.

Last round `/woocommerce/connect` let loopback, link-local and private addresses (in any
spelling the C resolver takes), names resolving to them and any port through; the worker
then connected there and wrote parts of the answer into the shop's `sync_health`.
"""
from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.extensions import db
from app.jobs.reconcile import reconcile_shop
from app.models import Shop
from tests.support.woocommerce_store import CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET

SECRET = "INTERNAL-ONLY-7f3a9c"
PUBLIC_IP = "93.184.215.14"
REAL_GETADDRINFO = socket.getaddrinfo
REAL_CREATE_CONNECTION = socket.create_connection


@pytest.fixture
def production(app):
    """Loopback testing switched off, as on a real server."""
    app.config.update(TESTING=False, DEBUG=False, WOOCOMMERCE_ALLOW_LOOPBACK_HTTP=False)
    return app


@pytest.fixture
def attacker_dns(monkeypatch):
    """Names the attacker controls answer whatever the test puts in this dict."""
    records: dict[str, list[str]] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in records or flags & socket.AI_NUMERICHOST:
            return REAL_GETADDRINFO(host, port, family, type, proto, flags)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port or 0, 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0)) for a in records[name]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return records


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection made on port 443 is recorded and refused (nothing real is reached)."""
    made: list[tuple] = []

    def create_connection(address, *args, **kwargs):
        if address[1] != 443:
            return REAL_CREATE_CONNECTION(address, *args, **kwargs)
        made.append(tuple(address[:2]))
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr("connectors.woocommerce.client.BACKOFF_SECONDS", (0.0,))
    return made


@pytest.fixture
def internal_service():
    """A service only reachable from inside (metadata endpoint, admin panel) with a secret."""
    answer = {"status": 404, "body": b""}

    class Handler(BaseHTTPRequestHandler):
        def _reply(self):
            self.send_response(answer["status"])
            self.send_header("Content-Type", answer.get("type", "application/json"))
            self.send_header("Content-Length", str(len(answer["body"])))
            self.end_headers()
            self.wfile.write(answer["body"])

        do_GET = do_POST = do_PUT = do_DELETE = _reply

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answer["url"] = f"http://127.0.0.1:{server.server_port}"
    yield answer
    server.shutdown()


def _connected_shop(domain: str) -> Shop:
    shop = Shop(platform="woocommerce", domain=domain, name=domain, api_key=CONSUMER_KEY,
                api_secret=CONSUMER_SECRET, webhook_secret=WEBHOOK_SECRET,
                installed_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.add(shop)
    db.session.commit()
    return shop


def _health(shop_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Shop, shop_id).sync_health


@pytest.mark.parametrize("store_url", [
    "https://localhost", "https://localhost.", "https://127.1", "https://0x7f.1", "https://0177.0.0.1",
    "https://169.254.43518", "https://[::1]", "https://[::127.0.0.1]", "https://224.0.0.1",
    "https://[ff02::1]",
    "https://[2002:7f00:1::]", "https://[2002:a9fe:a9fe::]",  # 6to4 around 127.0.0.1 / 169.254.169.254
    "https://[64:ff9b::a9fe:a9fe]",  # NAT64 around 169.254.169.254
])
def test_internal_addresses_in_any_spelling_are_a_400(production, client, store_url):
    response = client.get("/woocommerce/connect", query_string={"store_url": store_url})
    assert response.status_code == 400
    assert "public address" in response.get_data(as_text=True)


@pytest.mark.parametrize("records", [["127.0.0.1"], ["10.0.0.7"], [PUBLIC_IP, "169.254.169.254"], ["::1"]])
def test_a_name_resolving_to_an_internal_address_is_a_400(production, client, attacker_dns, records):
    attacker_dns["shop.attacker.example"] = records
    response = client.get("/woocommerce/connect", query_string={"store_url": "https://shop.attacker.example"})
    assert response.status_code == 400
    assert "public address" in response.get_data(as_text=True)


@pytest.mark.parametrize("store_url",
                         ["https://shop.attacker.example:22", "https://shop.attacker.example:8443",
                                       f"https://{PUBLIC_IP}:6379", "https://unresolvable.example:25"])
def test_a_port_other_than_443_is_a_400(production, client, attacker_dns, store_url):
    attacker_dns["shop.attacker.example"] = [PUBLIC_IP]
    response = client.get("/woocommerce/connect", query_string={"store_url": store_url})
    assert response.status_code == 400
    assert "443" in response.get_data(as_text=True)


def test_dns_rebinding_after_connecting_is_refused_at_each_connection(production, client, attacker_dns,
                                                                     connections):
    attacker_dns["rebind.attacker.example"] = [PUBLIC_IP]
    started = client.get("/woocommerce/connect",
                         query_string={"store_url": "https://rebind.attacker.example"})
    assert started.status_code == 302  # a public address at connect time
    shop = _connected_shop("https://rebind.attacker.example")

    assert "error" in reconcile_shop(shop.id)
    assert connections and set(connections) == {(PUBLIC_IP, 443)}  # the checked address, not the name
    assert _health(shop.id) == "store_unreachable: no answer"

    attacker_dns["rebind.attacker.example"] = ["127.0.0.1"]  # the TTL ran out; now it points inside
    connections.clear()
    assert "error" in reconcile_shop(shop.id)
    assert connections == []  # refused before any connection was made
    assert _health(shop.id) == "store_unreachable: the store's address is not public"


@pytest.mark.parametrize("status, body, content_type, health", [
    (404, b'{"code": "%s", "message": "%s"}' % (SECRET.encode(), SECRET.encode()), "application/json",
     "store_unreachable: HTTP 404"),
    (500, b"<pre>%s</pre>" % SECRET.encode(), "text/html", "store_unreachable: HTTP 500"),
    (200, b"<html>%s</html>" % SECRET.encode(), "text/html",
     "store_unreachable: unexpected answer (HTTP 200)"),
    (401, b'{"code": "x", "message": "%s"}' % SECRET.encode(), "application/json", "keys_refused: HTTP 401"),
])
def test_sync_health_never_echoes_what_the_store_answered(app, internal_service, monkeypatch,
                                                          status, body, content_type, health):
    monkeypatch.setattr("connectors.woocommerce.client.BACKOFF_SECONDS", (0.0,))
    internal_service.update(status=status, body=body, type=content_type)
    shop = _connected_shop(internal_service["url"])  # loopback allowed here: the tests' own switch
    result = reconcile_shop(shop.id)
    assert SECRET not in _health(shop.id) and SECRET not in str(result)
    assert _health(shop.id) == health
