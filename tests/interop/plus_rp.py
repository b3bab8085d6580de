#!/usr/bin/env python3
"""An independent OpenID client of a FranceConnect+-style platform, written
with jwcrypto and the standard library only (no Relais code), used by
Relais' tests to prove a Plus login works for a service built elsewhere.

  plus_rp.py keys       -> a service's key pairs: ES256 signing, RSA-OAEP-256
                           and ECDH-ES encryption (public JWKS + private JWKs)
  plus_rp.py assertion  <- {client_id, aud, keys, lifetime?, jti?, alg?, iat?}
                           -> {"assertion": "..."} (RFC 7523, private_key_jwt)
  plus_rp.py par        <- {issuer, client_id, keys, params} -> {status, body}
                           (RFC 9126 pushed request, private_key_jwt)
  plus_rp.py seal       <- {public, alg, payload} -> {"jwe": compact JWE}
  plus_rp.py token      <- {issuer, client_id, code, redirect_uri, keys,
                            nonce, code_verifier?, dpop?}
                           with dpop: RFC 9449 proofs at token and userinfo,
                           and the refusals (as Bearer, other key, no ath,
                           replayed proof) as HTTP statuses
                           discovery, token call with private_key_jwt,
                           decrypts and verifies the ID token (ES256 pinned,
                           iss, aud, exp, nonce), calls userinfo, decrypts
                           and verifies it -> {"id_token", "userinfo", ...}
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from jwcrypto import jwe, jwk, jws, jwt


def keys():
    sig = jwk.JWK.generate(kty="EC", crv="P-256", kid="sp-sig-1", use="sig", alg="ES256")
    # No alg on the RSA key: it receives RSA-OAEP-256 or RSA-OAEP, whichever
    # the service registered.
    rsa = jwk.JWK.generate(kty="RSA", size=2048, kid="sp-enc-rsa", use="enc")
    ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="sp-enc-ec", use="enc", alg="ECDH-ES")
    public = {"keys": [json.loads(k.export_public()) for k in (sig, rsa, ec)]}
    private = {name: json.loads(k.export_private()) for name, k in (("sig", sig), ("rsa", rsa), ("ec", ec))}
    print(json.dumps({"jwks": public, "private": private}))


def make_assertion(client_id, aud, private_sig, lifetime=60, jti=None, alg="ES256", iat=None):
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now if iat is None else iat,
        "exp": now + lifetime,
        "jti": jti or str(uuid.uuid4()),
    }
    key = jwk.JWK(**private_sig)
    token = jwt.JWT(header={"alg": alg, "kid": private_sig.get("kid"), "typ": "JWT"}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def assertion():
    r = json.load(sys.stdin)
    a = make_assertion(r["client_id"], r["aud"], r["keys"]["private"]["sig"], r.get("lifetime", 60),
                       r.get("jti"), r.get("alg", "ES256"), r.get("iat"))
    print(json.dumps({"assertion": a}))


def http(method, url, form=None, headers=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def open_nested(token, private, relais_jwks, expect_enc_alg):
    """Decrypts a JWE with the service's keys, then verifies the inner JWS (ES256 pinned).
    With no expected encryption, the answer must be a plain JWS."""
    if expect_enc_alg is None:
        if token.count(".") != 2:
            raise SystemExit("expected a plain signed JWT")
        sig = jws.JWS()
        sig.deserialize(token)
        sig.verify(relais_jwks, alg="ES256")
        return json.loads(sig.payload), sig.jose_header, {"alg": None, "enc": None}
    enc = jwe.JWE()
    enc.deserialize(token)
    header = enc.jose_header
    if header.get("enc") != "A256GCM" or header.get("alg") != expect_enc_alg:
        raise SystemExit(f"unexpected JWE header {header}")
    if header.get("cty") != "JWT":
        raise SystemExit(f"JWE cty is not JWT: {header}")
    key = jwk.JWK(**(private["rsa"] if expect_enc_alg.startswith("RSA") else private["ec"]))
    enc.decrypt(key)
    inner = enc.payload.decode()
    sig = jws.JWS()
    sig.deserialize(inner)
    sig.verify(relais_jwks, alg="ES256")
    return json.loads(sig.payload), sig.jose_header, header


def dpop_proof(key, htm, htu, access_token=None, iat=None):
    """An RFC 9449 proof signed by `key` (jwcrypto), for one request."""
    import base64
    import hashlib
    iat = int(time.time()) if iat is None else iat
    claims = {"htm": htm, "htu": htu, "iat": iat, "jti": str(uuid.uuid4())}
    if access_token is not None:
        claims["ath"] = base64.urlsafe_b64encode(
            hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": json.loads(key.export_public())}
    token = jwt.JWT(header=header, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def par():
    """Pushes an authorization request (RFC 9126) with private_key_jwt."""
    r = json.load(sys.stdin)
    issuer = r["issuer"]
    _, _, body = http("GET", issuer + "/.well-known/openid-configuration")
    disco = json.loads(body)
    form = dict(r["params"])
    form["client_id"] = r["client_id"]
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    form["client_assertion"] = make_assertion(r["client_id"], issuer, r["keys"]["private"]["sig"])
    status, _, body = http("POST", disco["pushed_authorization_request_endpoint"], form)
    print(json.dumps({"status": status, "body": json.loads(body)}))


def token():
    r = json.load(sys.stdin)
    issuer = r["issuer"]
    _, _, body = http("GET", issuer + "/.well-known/openid-configuration")
    disco = json.loads(body)
    if disco["issuer"] != issuer:
        raise SystemExit("discovery issuer mismatch")
    _, _, body = http("GET", disco["jwks_uri"])
    relais_jwks = jwk.JWKSet.from_json(body)
    form = {
        "grant_type": "authorization_code",
        "code": r["code"],
        "redirect_uri": r["redirect_uri"],
        "client_id": r["client_id"],
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": make_assertion(r["client_id"], disco["token_endpoint"], r["keys"]["private"]["sig"]),
    }
    if r.get("code_verifier"):
        form["code_verifier"] = r["code_verifier"]
    dpop_key = jwk.JWK.generate(kty="EC", crv="P-256") if r.get("dpop") else None
    token_headers = {}
    if dpop_key is not None:
        token_headers["DPoP"] = dpop_proof(dpop_key, "POST", disco["token_endpoint"])
    status, _, body = http("POST", disco["token_endpoint"], form, token_headers)
    if status != 200:
        print(json.dumps({"token_status": status, "token_error": json.loads(body)}))
        return
    answer = json.loads(body)
    id_claims, id_sig_header, id_enc_header = open_nested(
        answer["id_token"], r["keys"]["private"], relais_jwks, r.get("id_token_enc_alg", "RSA-OAEP-256"))
    now = int(time.time())
    if id_claims["iss"] != issuer or id_claims["aud"] != r["client_id"]:
        raise SystemExit(f"ID token iss/aud wrong: {id_claims}")
    if id_claims["exp"] < now - 30 or id_claims["nonce"] != r["nonce"]:
        raise SystemExit(f"ID token expired or nonce wrong: {id_claims}")
    at = answer["access_token"]
    extra = {}
    if dpop_key is not None:
        ui = disco["userinfo_endpoint"]
        # The refusals first: as Bearer, by another key, a replayed proof.
        extra["as_bearer"] = http("GET", ui, headers={"Authorization": "Bearer " + at})[0]
        other = jwk.JWK.generate(kty="EC", crv="P-256")
        extra["other_key"] = http("GET", ui, headers={
            "Authorization": "DPoP " + at, "DPoP": dpop_proof(other, "GET", ui, at)})[0]
        extra["no_ath"] = http("GET", ui, headers={
            "Authorization": "DPoP " + at, "DPoP": dpop_proof(dpop_key, "GET", ui)})[0]
        proof = dpop_proof(dpop_key, "GET", ui, at)
        status, headers, body = http("GET", ui, headers={"Authorization": "DPoP " + at, "DPoP": proof})
        extra["replayed"] = http("GET", ui, headers={"Authorization": "DPoP " + at, "DPoP": proof})[0]
        extra["jkt"] = dpop_key.thumbprint()
        # The endpoint's URL written another way (scheme in capitals, a
        # query and a fragment), and an iat with a fraction: the same
        # request for RFC 9449 §4.3 and RFC 7519.
        scheme, rest = ui.split("://", 1)
        other_form = scheme.upper() + "://" + rest + "?from=rp#top"
        extra["htu_other_form"] = http("GET", ui, headers={
            "Authorization": "DPoP " + at,
            "DPoP": dpop_proof(dpop_key, "GET", other_form, at, iat=time.time())})[0]
    else:
        status, headers, body = http("GET", disco["userinfo_endpoint"],
                                     headers={"Authorization": "Bearer " + at})
    if status != 200:
        raise SystemExit(f"userinfo {status}: {body}")
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    ui_claims, _, ui_enc_header = open_nested(
        body.strip(), r["keys"]["private"], relais_jwks, r.get("userinfo_enc_alg", "RSA-OAEP-256"))
    if ui_claims["sub"] != id_claims["sub"]:
        raise SystemExit("userinfo sub differs from the ID token's")
    print(json.dumps({
        "token_keys": sorted(answer.keys()),
        "token_type": answer["token_type"],
        "access_token": answer["access_token"],
        "id_token": id_claims,
        "id_token_sig_alg": id_sig_header["alg"],
        "id_token_enc": [id_enc_header["alg"], id_enc_header["enc"]],
        "userinfo": ui_claims,
        "userinfo_content_type": ctype,
        "userinfo_enc": [ui_enc_header["alg"], ui_enc_header["enc"]],
        "dpop": extra,
    }))


def seal():
    """Encrypts {payload} to {public} (a JWK) with {alg} and A256GCM."""
    r = json.load(sys.stdin)
    key = jwk.JWK(**r["public"])
    header = {"alg": r["alg"], "enc": "A256GCM", "kid": r["public"].get("kid"), "cty": "JWT"}
    token = jwe.JWE(r["payload"].encode(), protected=json.dumps(header))
    token.add_recipient(key)
    print(json.dumps({"jwe": token.serialize(compact=True)}))


if __name__ == "__main__":
    {"keys": keys, "assertion": assertion, "token": token, "seal": seal, "par": par}[sys.argv[1]]()
