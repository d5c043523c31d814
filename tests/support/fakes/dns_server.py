"""A tiny authoritative DNS server on 127.0.0.1 (UDP) answering TXT queries from a dict.

Real packets over a real socket, so the app's resolver (app/clients/dns_txt.py, dnspython) runs as
in production; only the zone is ours. Names it does not know get NXDOMAIN, names in
`failing` SERVFAIL (a broken name server).
"""
from __future__ import annotations

import socket
import struct
import threading

import pytest

TXT, IN = 16, 1
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3


class TxtServer:
    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.failing: set[str] = set()
        self.queries: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def publish(self, name: str, *values: str) -> None:
        self.records.setdefault(name.lower().rstrip("."), []).extend(values)

    def start(self) -> TxtServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                packet, peer = self._socket.recvfrom(4096)
            except socket.timeout:
                continue
            reply = self._answer(packet)
            if reply:
                self._socket.sendto(reply, peer)

    def _answer(self, packet: bytes) -> bytes | None:
        if len(packet) < 12:
            return None
        ident, flags, qdcount = struct.unpack("!HHH", packet[:6])
        labels, offset = [], 12
        while offset < len(packet) and packet[offset]:
            length = packet[offset]
            labels.append(packet[offset + 1:offset + 1 + length].decode("ascii", "replace"))
            offset += 1 + length
        question_end = offset + 5
        if qdcount != 1 or question_end > len(packet):
            return None
        qtype, qclass = struct.unpack("!HH", packet[offset + 1:question_end])
        name = ".".join(labels).lower()
        self.queries.append(name)
        values = self.records.get(name) if qtype == TXT and qclass == IN else None
        rcode = SERVFAIL if name in self.failing else NOERROR if name in self.records else NXDOMAIN
        answers = b"".join(self._txt(value) for value in values or ()) if rcode == NOERROR else b""
        count = len(values or ()) if rcode == NOERROR else 0
        header = struct.pack("!HHHHHH", ident, 0x8400 | (flags & 0x0100) | rcode, 1, count, 0, 0)
        return header + packet[12:question_end] + answers

    @staticmethod
    def _txt(value: str) -> bytes:
        data = value.encode()
        strings = b"".join(
            bytes([len(chunk)]) + chunk
            for chunk in (data[i : i + 255] for i in range(0, max(len(data), 1), 255))
        )
        return struct.pack("!HHHIH", 0xC00C, TXT, IN, 0, len(strings)) + strings


@pytest.fixture
def fake_dns(app):
    """The DNS that the app asks (DNS_RESOLVER) for this test: publish TXT records on it."""
    server = TxtServer().start()
    app.config["DNS_RESOLVER"] = server.address
    yield server
    server.stop()
