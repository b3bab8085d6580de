#!/usr/bin/env python3
"""Independent JOSE implementation (jwcrypto) used by Relais' tests.

  jose_check.py keys   -> prints fresh RSA-2048 and EC P-256 key pairs (JWK)
  jose_check.py open   <- reads {"token", "private" (JWK or null), "jwks", "alg"}
                          on stdin; decrypts (when a private key is given),
                          verifies the signature with the pinned alg against
                          the JWKS, prints the JWT payload as JSON.
"""
import json
import sys

from jwcrypto import jwe, jwk, jws


def keys():
    rsa = jwk.JWK.generate(kty="RSA", size=2048, kid="dp-rsa-enc", use="enc")
    ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="dp-ec-enc", use="enc")
    out = {}
    for name, k in (("rsa", rsa), ("ec", ec)):
        out[name] = {"public": json.loads(k.export_public()), "private": json.loads(k.export_private())}
    print(json.dumps(out))


def open_token():
    req = json.load(sys.stdin)
    token = req["token"]
    if req.get("private"):
        key = jwk.JWK(**req["private"])
        enc = jwe.JWE()
        enc.deserialize(token, key=key)
        header = json.loads(enc.objects["protected"]) if isinstance(enc.objects.get("protected"), str) else enc.jose_header
        if header.get("enc") != "A256GCM" or header.get("alg") not in ("RSA-OAEP-256", "RSA-OAEP", "ECDH-ES"):
            raise SystemExit(f"unexpected JWE header {header}")
        token = enc.payload.decode()
    keyset = jwk.JWKSet.from_json(json.dumps(req["jwks"]))
    sig = jws.JWS()
    sig.deserialize(token)
    sig.verify(keyset, alg=req["alg"])
    print(json.dumps({"payload": json.loads(sig.payload), "header": sig.jose_header}))


if __name__ == "__main__":
    {"keys": keys, "open": open_token}[sys.argv[1]]()
