"""DKIM key pairs for shops' own sender domains: RSA 2048, as RFC 6376 and RFC 8301 ask.

The private key is kept as PEM (PKCS#1, which dkimpy reads) in an encrypted column
(app/models/sender_domain.py); the public key as the base64 of its DER SubjectPublicKeyInfo,
which is what the DKIM record's p= tag carries.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048


@dataclass(frozen=True)
class DkimKeyPair:
    private_pem: str
    public_key: str  # base64 DER, the p= value
    selector: str


def new_selector() -> str:
    """A fresh selector per key: a new key never reuses a name a resolver may have cached."""
    return f"as{secrets.token_hex(4)}"


def new_key_pair() -> DkimKeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()).decode("ascii")
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return DkimKeyPair(private_pem, base64.b64encode(public_der).decode("ascii"), new_selector())
