"""A fake Shopify Admin API on loopback, speaking the documented wire formats.

OAuth token endpoint (token exchange and refresh, JSON in and out) and Admin GraphQL
2026-10 (`orders(query: "updated_at:>='…'")` with cursor pagination, `order(id:)`,
`nodes(ids:)` for products, `discountCodeBasicCreate` with its userErrors,
THROTTLED errors with `extensions.cost.throttleStatus`, ACCESS_DENIED errors for a missing
scope, HTTP 403). Shops are told apart by the
Host header, as on the real thing.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

PAGE = 50


@dataclass
class FakeShopState:
    orders: list = field(default_factory=list)  # GraphQL Order nodes
    access_tokens: set = field(default_factory=set)
    refresh_tokens: set = field(default_factory=set)
    refresh_calls: int = 0
    exchange_calls: int = 0
    throttle_next: int = 0
    refresh_delay: float = 0.0
    products: dict = field(default_factory=dict)  # gid → GraphQL Product node
    discounts: list = field(default_factory=list)  # DiscountCodeBasicInput as received
    forbidden_next: int = 0  # answer HTTP 403 (the token lacks permissions)
    access_denied_next: int = 0  # answer the GraphQL error ACCESS_DENIED (a missing scope)
    html_next: int = 0  # answer 200 with an HTML page (a proxy's or a maintenance page)


class FakeShopify:
    def __init__(self):
        self.shops: dict[str, FakeShopState] = {}
        self.lock = threading.Lock()
        self.app = self._build_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def shop(self, domain: str) -> FakeShopState:
        return self.shops.setdefault(domain, FakeShopState())

    def issue_tokens(self, domain: str) -> dict:
        state = self.shop(domain)
        access, refresh = f"shpat_{secrets.token_hex(8)}", f"shprt_{secrets.token_hex(8)}"
        state.access_tokens.add(access)
        state.refresh_tokens.add(refresh)
        return {"access_token": access, "scope": "read_orders,read_fulfillments", "expires_in": 3600,
                "refresh_token": refresh, "refresh_token_expires_in": 7776000}

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()

    def _build_app(self) -> Flask:
        app = Flask("fake-shopify")

        @app.post("/admin/oauth/access_token")
        def access_token():
            domain = request.host.split(":")[0]
            body = request.get_json(force=True)
            state = self.shop(domain)
            if body.get("grant_type") == "refresh_token":
                with self.lock:
                    state.refresh_calls += 1
                time.sleep(state.refresh_delay)
                with self.lock:
                    if body.get("refresh_token") not in state.refresh_tokens:
                        return jsonify(error="invalid_grant",
                                       error_description="refresh token is invalid or was used"), 400
                    state.refresh_tokens.discard(body["refresh_token"])  # rotation
                    return jsonify(self.issue_tokens(domain))
            if "code" in body and body.get("client_secret"):
                state.exchange_calls += 1
                return jsonify(self.issue_tokens(domain))
            if body.get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange":
                state.exchange_calls += 1
                return jsonify(self.issue_tokens(domain))
            return jsonify(error="unsupported_grant_type"), 400

        @app.post("/admin/api/<version>/graphql.json")
        def graphql(version):
            domain = request.host.split(":")[0]
            state = self.shop(domain)
            if request.headers.get("X-Shopify-Access-Token") not in state.access_tokens:
                return jsonify(errors="[API] Invalid API key or access token (unrecognized login or wrong "
                                      "password)"), 401
            if state.forbidden_next:
                state.forbidden_next -= 1
                return jsonify(errors="[API] This action requires merchant approval for "
                                      "read_orders scope."), 403
            if state.access_denied_next:
                state.access_denied_next -= 1
                return jsonify(errors=[{
                    "message": "Access denied for orders field. "
                               "Required access: `read_orders` access scope.",
                    "locations": [{"line": 2, "column": 3}], "path": ["orders"],
                    "extensions": {"code": "ACCESS_DENIED",
                                   "documentation": "https://shopify.dev/api/usage/access-scopes",
                                   "requiredAccess": "`read_orders` access scope."}}], data=None)
            if state.html_next:
                state.html_next -= 1
                return "<!doctype html><title>Service temporarily unavailable</title>", 200
            body = request.get_json(force=True)
            cost = {"requestedQueryCost": 252, "actualQueryCost": 252,
                    "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1748,
                                       "restoreRate": 100.0}}
            if state.throttle_next:
                state.throttle_next -= 1
                cost["throttleStatus"]["currentlyAvailable"] = 12
                return jsonify(errors=[{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                               extensions={"cost": cost})
            query, variables = body["query"], body.get("variables") or {}
            if "OrdersUpdatedSince" in query:
                data = {"orders": self._orders_page(state, variables)}
            elif "OrdersCount" in query:
                page = self._orders_page(state, {**variables, "after": None}, size=10_000)
                data = {"ordersCount": {"count": len(page["nodes"]), "precision": "EXACT"}}
            elif "OrderById" in query:
                data = {"order": next((o for o in state.orders if o["id"] == variables["id"]), None)}
            elif "ProductsById" in query:
                data = {"nodes": [state.products.get(gid) for gid in variables["ids"]]}
            elif "discountCodeBasicCreate" in query:
                data = {"discountCodeBasicCreate": self._create_discount(state,
                                                                         variables["basicCodeDiscount"])}
            else:
                return jsonify(errors=[{"message": "query not supported by the fake"}])
            return jsonify(data=data, extensions={"cost": cost})

        return app

    @staticmethod
    def _create_discount(state: FakeShopState, discount: dict) -> dict:
        """Validates like the real mutation for what we send: code, title and context (all
        buyers, or customer gids) required, codes unique per shop, percentage within 0..1."""
        errors = [{"field": ["basicCodeDiscount", name], "code": "BLANK", "message": f"{name} can't be blank"}
                  for name in ("code", "title", "context") if not discount.get(name)]
        context = discount.get("context") or {}
        customers = (context.get("customers") or {}).get("add") or []
        if context and context.get("all") != "ALL" and not (
                customers and all(c.startswith("gid://shopify/Customer/") for c in customers)):
            errors.append({"field": ["basicCodeDiscount", "context"], "code": "INVALID",
                           "message": "Context must select all buyers or existing customers."})
        if any(d["code"].lower() == (discount.get("code") or "").lower() for d in state.discounts):
            errors.append({"field": ["basicCodeDiscount", "code"], "code": "TAKEN",
                           "message": "Code must be unique."})
        percentage = ((discount.get("customerGets") or {}).get("value") or {}).get("percentage")
        if percentage is not None and not 0 < percentage <= 1:
            errors.append({"field": ["basicCodeDiscount", "customerGets", "value", "percentage"],
                           "code": "VALUE_OUTSIDE_RANGE", "message": "Value must be between 0.0 and 1.0"})
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        state.discounts.append(discount)
        node_id = f"gid://shopify/DiscountCodeNode/{1000 + len(state.discounts)}"
        return {"codeDiscountNode": {"id": node_id, "codeDiscount": {
            "title": discount["title"], "codes": {"nodes": [{"code": discount["code"]}]}}}, "userErrors": []}

    @staticmethod
    def _orders_page(state: FakeShopState, variables: dict, size: int = PAGE) -> dict:
        match = re.search(r"updated_at:>='([^']+)'", variables.get("query", ""))
        since = match.group(1) if match else ""
        matching = sorted((o for o in state.orders if o["updatedAt"] >= since), key=lambda o: o["updatedAt"])
        start = int(variables["after"]) if variables.get("after") else 0
        page = matching[start:start + size]
        has_next = start + size < len(matching)
        return {"nodes": page, "pageInfo": {"hasNextPage": has_next,
                                            "endCursor": str(start + size) if has_next else None}}
