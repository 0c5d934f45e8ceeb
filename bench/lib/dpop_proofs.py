#!/usr/bin/env python3
"""DPoP (RFC 9449) tokens and proofs, fast, for the DPoP rows of bench/routes.sh.

    dpop_proofs.py token TOKEN_KEY KID PROOF_KEY bound|unbound
        Prints one ES256 access token signed by TOKEN_KEY (header alg, typ, kid; claims sub, iat,
        exp, jti, scope), with `cnf.jkt` = the RFC 7638 thumbprint of PROOF_KEY's public key when
        `bound`, without it when `unbound` (the same claims otherwise: the plain-bearer reference).
    dpop_proofs.py proofs PROOF_KEY TOKEN HTU COUNT
        Prints COUNT lines "DPoP <TOKEN>\\t<proof>": each proof a `dpop+jwt` JWS signed with
        PROOF_KEY (ES256, P-256), its public `jwk` in the header, claims jti (fresh), htm GET,
        htu HTU, iat now, ath = base64url(SHA-256(TOKEN)) -- what `gateway dpop proof` prints,
        without a process per request. Each proof may be used once (its jti is recorded).
    dpop_proofs.py thumbprint PROOF_KEY
        Prints the RFC 7638 thumbprint of PROOF_KEY's public key (the `cnf.jkt` of `token ...
        bound`), for comparison with `gateway dpop thumbprint --key PROOF_KEY`.

Uses the `cryptography` package (Debian: python3-cryptography).
"""
import base64
import hashlib
import json
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def load(path):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), password=None)


def es256(key, data):
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def public_jwk(key):
    numbers = key.public_key().public_numbers()
    return {"crv": "P-256", "kty": "EC",
            "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}


def thumbprint(jwk):
    # RFC 7638: the required members, lexicographic order, no whitespace.
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return b64url(hashlib.sha256(compact(members)).digest())


def token(token_key_file, kid, proof_key_file, binding):
    key = load(token_key_file)
    now = int(time.time())
    claims = {"sub": "bench", "iat": now, "exp": now + 12 * 3600,
              "jti": b64url(os.urandom(16)), "scope": "bench:read"}
    if binding == "bound":
        claims["cnf"] = {"jkt": thumbprint(public_jwk(load(proof_key_file)))}
    header = b64url(compact({"alg": "ES256", "typ": "JWT", "kid": kid}))
    signing_input = (header + "." + b64url(compact(claims))).encode()
    print(signing_input.decode() + "." + b64url(es256(key, signing_input)))


def proofs(proof_key_file, access_token, htu, count):
    key = load(proof_key_file)
    header = b64url(compact({"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(key)}))
    ath = b64url(hashlib.sha256(access_token.encode()).digest())
    now = int(time.time())
    out = sys.stdout
    for _ in range(count):
        claims = {"jti": b64url(os.urandom(18)), "htm": "GET", "htu": htu, "iat": now, "ath": ath}
        signing_input = (header + "." + b64url(compact(claims))).encode()
        out.write("DPoP %s\t%s.%s\n" % (access_token, signing_input.decode(), b64url(es256(key, signing_input))))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "token":
        token(*sys.argv[2:6])
    elif len(sys.argv) == 3 and sys.argv[1] == "thumbprint":
        print(thumbprint(public_jwk(load(sys.argv[2]))))
    elif len(sys.argv) == 6 and sys.argv[1] == "proofs":
        proofs(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(__doc__)


main()
