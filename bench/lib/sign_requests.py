#!/usr/bin/env python3
"""Signs many distinct requests fast, for the signed-request row of bench/run.sh.

    sign_requests.py KEY_FILE KEYID AUTHORITY PATH COUNT

Prints COUNT lines "<Signature-Input>\t<Signature>" for `GET PATH` sent to AUTHORITY, each an
RFC 9421 ed25519 signature over ("@method" "@authority" "@path") with `created` now, a fresh
random `nonce`, `keyid` and `alg` -- what `gateway sign` prints, without a process per request.
Every line may be used once: the route is replay-protected. Uses the `cryptography` package.
"""
import base64
import os
import sys
import time

from cryptography.hazmat.primitives import serialization


def main():
    key_file, keyid, authority, path, count = sys.argv[1:6]
    with open(key_file, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    created = int(time.time())
    components = '("@method" "@authority" "@path")'
    out = sys.stdout
    for _ in range(int(count)):
        nonce = base64.urlsafe_b64encode(os.urandom(18)).decode().rstrip("=")
        params = f'{components};created={created};nonce="{nonce}";keyid="{keyid}";alg="ed25519"'
        base = f'"@method": GET\n"@authority": {authority}\n"@path": {path}\n"@signature-params": {params}'
        signature = base64.b64encode(key.sign(base.encode())).decode()
        out.write(f"sig1={params}\tsig1=:{signature}:\n")


if __name__ == "__main__":
    main()
