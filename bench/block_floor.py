"""The floor of a conditional block request on the fixed stack, served like the app: Flask,
a session token checked with PyJWT (HS256, audience), one raw SELECT of the order's
facts version by shop and order id, and 304 when the ETag matches.

Any block view that reads the database per request (and an honest one must, to see the
workers' changes at once) is slower than this; `make bench` reports block_etag against it.
BENCH_FLOOR_PG names the database the app seeded.
"""
from __future__ import annotations

import os

import jwt
from flask import Flask, Response, request

from bench.floor_connection import floor_connection

app = Flask(__name__)
QUERY = ("SELECT o.id, o.facts_version, s.facts_version FROM orders o JOIN shops s ON s.id = o.shop_id "
         "WHERE s.platform = 'shopify' AND s.domain = %s AND s.uninstalled_at IS NULL AND "
         "o.platform_order_id = %s")


@app.get("/api/v1/order-status")
def order_status():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    try:
        claims = jwt.decode(token, os.environ["SHOPIFY_API_SECRET"], algorithms=["HS256"],
                            audience=os.environ["SHOPIFY_API_KEY"])
    except jwt.PyJWTError:
        return {"status": 401}, 401
    row = floor_connection().execute(QUERY, (claims["dest"].removeprefix("https://"),
                                        request.args.get("order_id", "").rsplit("/", 1)[-1])).fetchone()
    if row is None:
        return {"status": 404}, 404
    response = Response(status=304) if request.if_none_match.contains(etag := "{}.{}.{}".format(*row)) \
        else Response("{}", mimetype="application/json")
    response.set_etag(etag)
    return response


@app.get("/")
def up():
    return "up"
