#!/usr/bin/env python3
"""A service written the way a vendor's product is: a Flask app using
Authlib's Flask OAuth client with its defaults untouched (discovery,
client_secret_basic, a 20-character nonce, RS256 ID token checked against
the JWKS, userinfo read as JSON). Used by the `oidc` profile tests.

Two steps, one process each, the Flask session cookie carried between them:
  start   stdin {issuer, client_id, client_secret, redirect_uri, scope, params}
          -> {authorize_url, cookie}
  finish  stdin {..., cookie, callback_url}
          -> {id_token_claims, userinfo, expires_in, token_type}
Errors are reported as {"error": ...} with exit status 0 so the test can
check what the library said.
"""
import json
import sys
from urllib.parse import urlsplit

from flask import Flask, redirect, session
from authlib.integrations.flask_client import OAuth


def make_app(cfg):
    app = Flask("authlib-rp")
    app.secret_key = "interop-test-only-secret-key-0123456789"
    oauth = OAuth(app)
    oauth.register(
        "relais",
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"],
        server_metadata_url=cfg["issuer"] + "/.well-known/openid-configuration",
        client_kwargs={"scope": cfg["scope"]},
    )

    @app.route("/login")
    def login():
        return oauth.relais.authorize_redirect(cfg["redirect_uri"], **cfg.get("params", {}))

    @app.route("/callback")
    def callback():
        try:
            token = oauth.relais.authorize_access_token()
            info = oauth.relais.userinfo(token=token)
        except Exception as e:  # what the library reports, for the test
            return json.dumps({"error": type(e).__name__, "detail": str(e)})
        return json.dumps(
            {
                "id_token_claims": dict(token["userinfo"]),
                "userinfo": dict(info),
                "expires_in": token.get("expires_in"),
                "token_type": token.get("token_type"),
            }
        )

    return app


def main():
    step = sys.argv[1]
    cfg = json.load(sys.stdin)
    app = make_app(cfg)
    client = app.test_client()
    if step == "start":
        resp = client.get("/login")
        cookie = client.get_cookie("session")
        print(json.dumps({"authorize_url": resp.headers["Location"], "cookie": cookie.value}))
    elif step == "finish":
        client.set_cookie("session", cfg["cookie"])
        parts = urlsplit(cfg["callback_url"])
        resp = client.get("/callback?" + parts.query)
        print(resp.get_data(as_text=True))
    else:
        sys.exit("usage: authlib_rp.py start|finish")


if __name__ == "__main__":
    main()
