"""Fake tracking providers on loopback, speaking their wire formats (../shared/reference/carriers.md).

`FakeDhl`: `GET /track/shipments?trackingNumber=…&service=…`, header `DHL-API-Key`; 200 with
the stored body, 404 problem+json for a number it does not know (or another `service`),
401 problem+json for a wrong key. `FakeSeventeenTrack`: `POST /track/v2.2/register` and
`/gettrackinfo`, header `17token`, JSON array bodies of ≤40 (more: code -18010014);
register answers -18019901 for a number it already follows and -18019908 when `quota_left`
runs out; gettrackinfo answers -18019902 for an unregistered number and -18019909 for one
with no information yet. Both count calls per number (`calls_for`) and take failures from
`fail_next` (a `Failure`: a status with or without Retry-After, a delay past the client's
timeout, or another body). Payloads are stored by number with `put`.
"""
from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.serving import make_server

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "tracking"
DHL_PATH = "/track/shipments"
SEVENTEEN_PATH = "/track/v2.2"
MAX_NUMBERS = 40


@dataclass
class Failure:
    """What to answer to the next call instead of the normal answer.
    `status=None` with a `delay`: answer normally, but only after `delay` seconds."""

    status: int | None = 503
    retry_after: str | None = None
    delay: float = 0.0
    body: object = None  # JSON to send; None: the provider's usual body for that status


def recorded(provider_dir: str, name: str) -> dict:
    """A payload from tests/payloads/tracking/<provider_dir>/ ("dhl" or "17track")."""
    return json.loads((PAYLOADS / provider_dir / name).read_text(encoding="utf-8"))


def push_signature(body: bytes, api_key: str) -> str:
    """17TRACK's `sign` header: lowercase hex sha256(raw body + "/" + key) (carriers.md §2, unverified)."""
    return hashlib.sha256(body + b"/" + api_key.encode()).hexdigest()


class _FakeProvider:
    def __init__(self, api_key: str):
        self.key = api_key
        self.lock = threading.Lock()
        self.parcels: dict[str, dict] = {}
        self.fail_next: list[Failure] = []
        self.requests: list[dict] = []  # {"path", "numbers", "params", "headers"}
        self.calls: Counter = Counter()  # (endpoint, number) → calls
        self.server = make_server("127.0.0.1", 0, self._build_app(), threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test helpers --------------------------------------------------------------------

    def calls_for(self, number: str, endpoint: str | None = None) -> int:
        """How many calls asked about this number (on one endpoint, or on any)."""
        with self.lock:
            return sum(n for (ep, num), n in self.calls.items() if num == number and endpoint in (None, ep))

    def answer_429(self, retry_after: str | int | None = None) -> None:
        self.fail_next.append(Failure(429, None if retry_after is None else str(retry_after)))

    def answer_error(self, status: int = 503) -> None:
        self.fail_next.append(Failure(status))

    def answer_slowly(self, seconds: float) -> None:
        self.fail_next.append(Failure(None, delay=seconds))

    # -- shared plumbing -----------------------------------------------------------------

    def _build_app(self) -> Flask:
        raise NotImplementedError

    def _record(self, endpoint: str, numbers: list[str]) -> Failure | None:
        with self.lock:
            self.requests.append({"path": request.path, "numbers": numbers, "params": request.args.to_dict(),
                                  "headers": dict(request.headers)})
            for number in numbers:
                self.calls[(endpoint, number)] += 1
            failure = self.fail_next.pop(0) if self.fail_next else None
        if failure is not None and failure.delay:
            time.sleep(failure.delay)
        return failure if failure is not None and failure.status is not None else None

    @staticmethod
    def _json(body, status: int = 200, content_type: str = "application/json", **headers) -> Response:
        response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)
        for name, value in headers.items():
            if value is not None:
                response.headers[name.replace("_", "-")] = value
        return response


class FakeDhl(_FakeProvider):
    """DHL Shipment Tracking – Unified. `put(number, body)` stores a whole 200 body."""

    def put(self, number: str, body: dict) -> None:
        with self.lock:
            self.parcels[number] = copy.deepcopy(body)

    def put_recorded(self, number: str, name: str) -> None:
        """Serve tests/payloads/tracking/dhl/<name> for this number."""
        self.put(number, recorded("dhl", name))

    def _problem(self, status: int, title: str, detail: str, **extra) -> Response:
        return self._json({"status": status, "title": title, "detail": detail, **extra}, status,
                          "application/problem+json", Content_Language="en")

    def _build_app(self) -> Flask:
        app = Flask("fake-dhl-tracking")

        @app.get(DHL_PATH)
        def shipments():
            number = request.args.get("trackingNumber", "")
            failure = self._record("shipments", [number] if number else [])
            if failure is not None:
                return self._failure(failure)
            if request.headers.get("DHL-API-Key") != self.key:
                return self._problem(401, "Unauthorized", "Invalid API key.")
            if not number:
                return self._problem(400, "Bad Request", "trackingNumber is required.")
            with self.lock:
                body = copy.deepcopy(self.parcels.get(number))
            service = request.args.get("service")
            if body is not None and service:
                body["shipments"] = [s for s in body.get("shipments", []) if s.get("service") == service]
            if not body or not body.get("shipments"):
                return self._problem(404, "No result found", "No shipment with given tracking number found.",
                                     instance=f"/shipment/{number}")
            return self._json(body, Content_Language=request.args.get("language", "en"))

        return app

    def _failure(self, failure: Failure) -> Response:
        if failure.body is not None:
            return self._json(failure.body, failure.status, Retry_After=failure.retry_after)
        if failure.status == 429:  # the body quoted in itsvic-dev/deliveries#68; DHL sends no Retry-After
            response = self._problem(429, "Too Many Requests",
                                     "Too many requests within defined time period, please try again later.")
        else:
            response = self._problem(failure.status, "Service Unavailable", "The service is unavailable.")
        if failure.retry_after is not None:
            response.headers["Retry-After"] = failure.retry_after
        return response


class FakeSeventeenTrack(_FakeProvider):
    """17TRACK v2.2. `put(number, item)` stores an `accepted[]` item (or a `rejected[]` one,
    with `error`) and registers the number; `quota_left` (None: unlimited) counts registrations."""

    def __init__(self, api_key: str):
        super().__init__(api_key)
        self.registered: dict[str, dict] = {}  # number → {"carrier", "tag"}
        self.quota_left: int | None = None

    def put(self, number: str, item: dict, *, register: bool = True, tag: str | None = None) -> None:
        stored = {**copy.deepcopy(item), "number": number}
        with self.lock:
            self.parcels[number] = stored
            if register:
                self.registered[number] = {"carrier": stored.get("carrier"),
                                           "tag": tag or stored.get("tag") or ""}

    def put_recorded(self, number: str, name: str, **kwargs) -> None:
        """Serve the parcel of tests/payloads/tracking/17track/<name> (its first accepted or rejected item).
        """
        data = recorded("17track", name)["data"]
        self.put(number, (data["accepted"] or data["rejected"])[0], **kwargs)

    def push_body(self, number: str, event: str = "TRACKING_UPDATED") -> tuple[dict[str, str], bytes]:
        """The headers and raw body 17TRACK would POST to the webhook for this number, signed."""
        with self.lock:
            item = copy.deepcopy(self.parcels[number])
            tag = self.registered.get(number, {}).get("tag") or item.get("tag") or ""
        data = {"number": number, "carrier": item.get("carrier"), "param": item.get("param"), "tag": tag}
        if event == "TRACKING_UPDATED":
            data["track_info"] = item.get("track_info")
        body = json.dumps({"event": event, "data": data}, ensure_ascii=False, separators=(",", ":")).encode()
        return {"Content-Type": "application/json", "sign": push_signature(body, self.key)}, body

    def _build_app(self) -> Flask:
        app = Flask("fake-17track")

        @app.post(f"{SEVENTEEN_PATH}/<endpoint>")
        def call(endpoint):
            items = request.get_json(silent=True)
            numbers = [str(i.get("number", "")) for i in items
                       if isinstance(i, dict)] if isinstance(items, list) else []
            failure = self._record(endpoint, numbers)
            if failure is not None:
                return self._failure(failure)
            # HTTP 401 with the key's error code (shape unverified)
            if request.headers.get("17token") != self.key:
                return self._envelope_error(-18010002, "Invalid security key.", 401)
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                return self._envelope_error(-18010012, "The format of the submitted data is invalid.")
            if len(items) > MAX_NUMBERS:
                return self._envelope_error(-18010014,
                                            f"The number of submitted items exceeds {MAX_NUMBERS}.")
            if endpoint == "register":
                return self._register(items)
            if endpoint == "gettrackinfo":
                return self._gettrackinfo(items)
            return Response("Not Found", status=404, content_type="text/plain")

        return app

    def _register(self, items: list[dict]) -> Response:
        accepted, rejected = [], []
        with self.lock:
            for item in items:
                number, tag = str(item.get("number", "")), item.get("tag") or ""
                known = self.parcels.get(number, {})
                carrier = item.get("carrier") or known.get("carrier")
                if not number:
                    rejected.append(_rejected(number, tag, -18010012, "The format of 'number' is invalid."))
                elif number in self.registered:
                    rejected.append(_rejected(number, tag, -18019901,
                                              f"The tracking number '{number}' has been "
                                              "registered, don't need to repeat registration."))
                elif not carrier:
                    rejected.append(_rejected(number, tag, -18019903, "Carrier cannot be detected."))
                elif self.quota_left is not None and self.quota_left <= 0:
                    rejected.append(_rejected(number, tag, -18019908, "The quota is exhausted."))
                else:
                    if self.quota_left is not None:
                        self.quota_left -= 1
                    self.registered[number] = {"carrier": carrier, "tag": tag}
                    accepted.append({"origin": 1, "number": number, "carrier": carrier, "email": None,
                                     "tag": tag, "lang": None})
        return self._json({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    def _gettrackinfo(self, items: list[dict]) -> Response:
        accepted, rejected = [], []
        with self.lock:
            for item in items:
                number = str(item.get("number", ""))
                registration = self.registered.get(number)
                stored = copy.deepcopy(self.parcels.get(number))
                if registration is None:
                    rejected.append(_rejected(number, "", -18019902,
                                              f"The tracking number '{number}' does not "
                                              "register, please register first."))
                elif stored is None:
                    rejected.append(_rejected(number, registration["tag"], -18019909,
                                              "No tracking information at this time."))
                elif "error" in stored:
                    rejected.append(stored)
                else:
                    accepted.append({**stored, "tag": registration["tag"]})
        return self._json({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    def _envelope_error(self, code: int, message: str, status: int = 200) -> Response:
        return self._json({"code": code, "data": {"errors": [{"code": code, "message": message}]}}, status)

    def _failure(self, failure: Failure) -> Response:
        if failure.body is not None:
            return self._json(failure.body, failure.status, Retry_After=failure.retry_after)
        # 17TRACK's 429/5xx bodies are not documented: a plain text reason (only the status is relied on).
        response = Response("Too Many Requests" if failure.status == 429 else "Service Unavailable",
                            status=failure.status, content_type="text/plain")
        if failure.retry_after is not None:
            response.headers["Retry-After"] = failure.retry_after
        return response


def _rejected(number: str, tag: str, code: int, message: str) -> dict:
    return {"number": number, "tag": tag, "error": {"code": code, "message": message}}
