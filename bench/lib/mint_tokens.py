#!/usr/bin/env python3
"""Mints many distinct JWTs fast, for the cold-cache rows of bench/run.sh.

    mint_tokens.py ALG KEY_FILE KID COUNT [SCOPE]

Prints COUNT lines "Bearer <jwt>", each with its own random jti, laid out as `gateway token
mint --jti` lays them out: header {"alg","typ","kid"}, claims sub, iat, exp, jti, scope.
`gateway token mint` starts a process per token (about 30 ms of CPU each); 20,000 tokens per
algorithm would take longer than the benchmark. run.sh still mints the warm rows' tokens with
`gateway token mint` and checks that the gateway accepts these (preflight, and every non-2xx
answer during the run is counted). Uses the `cryptography` package (Debian: python3-cryptography).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def main():
    alg, key_file, kid, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    scope = sys.argv[5] if len(sys.argv) > 5 else "bench:read"
    key_bytes = open(key_file, "rb").read()
    if alg == "HS256":
        secret = key_bytes[:-1] if key_bytes.endswith(b"\n") else key_bytes

        def sign(data):
            return hmac.new(secret, data, hashlib.sha256).digest()
    else:
        key = serialization.load_pem_private_key(key_bytes, password=None)
        if alg == "ES256":
            def sign(data):
                r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
                return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        elif alg == "RS256":
            def sign(data):
                return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            sys.exit("unsupported alg " + alg)

    header = b64url(json.dumps({"alg": alg, "typ": "JWT", "kid": kid}, separators=(",", ":")).encode())
    now = int(time.time())
    out = sys.stdout
    for _ in range(count):
        claims = {"sub": "bench", "iat": now, "exp": now + 12 * 3600,
                  "jti": b64url(os.urandom(16)).decode(), "scope": scope}
        signing_input = header + b"." + b64url(json.dumps(claims, separators=(",", ":")).encode())
        out.write("Bearer %s.%s\n" % (signing_input.decode(), b64url(sign(signing_input)).decode()))


main()
