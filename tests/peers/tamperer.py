"""A man in the middle between the portal and its identity provider, run as its own process by the
sign-in tests: `python tests/peers/tamperer.py <port> <provider's URL> token|userinfo`. It forwards
each request to the real provider and hands back its answer changed:

- `token` (the token exchange, POST): the ID token's claims changed (the assurance level raised to
  "3") with the provider's signature kept: a portal that checks the signature must refuse it;
- `userinfo` (GET, with the access token): the answer about another subject (`sub` changed): a
  portal that checks userinfo's `sub` against the ID token's must refuse it.
"""

import base64
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, URL, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["acr"] = "3"
    return ".".join([header, b64(json.dumps(claims).encode()), signature])


class Tamperer(BaseHTTPRequestHandler):
    def forward(self, body: bytes | None) -> None:
        headers = {name: self.headers[name] for name in ("Content-Type", "Authorization") if self.headers[name]}
        try:
            with urllib.request.urlopen(urllib.request.Request(URL, body, headers), timeout=10) as answer:
                status, data = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            status, data = error.code, json.loads(error.read() or b"{}")
        if MODE == "token" and "id_token" in data:
            data["id_token"] = tampered(data["id_token"])
        if MODE == "userinfo" and "sub" in data:
            data["sub"] = "someone-else"
        out = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_POST(self) -> None:
        self.forward(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def do_GET(self) -> None:
        self.forward(None)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Tamperer).serve_forever()
