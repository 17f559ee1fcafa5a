"""Validates an ID token the way Authlib's OpenID Connect clients do (authlib.oidc.core).

Reads JSON on stdin: id_token, jwks, issuer, client_id, nonce, access_token, now.
Prints JSON: {"ok": true, "claims": {...}} or {"ok": false, "error": "..."}.
"""
import json
import sys

from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


def main():
    req = json.load(sys.stdin)
    try:
        claims = jwt.decode(
            req["id_token"],
            JsonWebKey.import_key_set(req["jwks"]),
            claims_cls=CodeIDToken,
            claims_options={"iss": {"essential": True, "value": req["issuer"]}},
            claims_params={"nonce": req.get("nonce"), "client_id": req["client_id"], "access_token": req.get("access_token")},
        )
        claims.validate(now=req["now"], leeway=5)
        print(json.dumps({"ok": True, "alg": claims.header["alg"], "claims": dict(claims)}))
    except Exception as err:  # any refusal is the answer under test
        print(json.dumps({"ok": False, "error": f"{type(err).__name__}: {err}"}))


main()
