"""A man in the middle of the token exchange, run as its own process by the sign-in tests:
`python tests/peers/token_tamperer.py <port> <provider's token URL>`. It forwards each token
request to the real provider and hands back its answer with the ID token's claims changed (the
assurance level raised to "3") but the provider's signature kept: a portal that checks the
signature must refuse it."""

import base64
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, TOKEN_URL = int(sys.argv[1]), sys.argv[2]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["acr"] = "3"
    return ".".join([header, b64(json.dumps(claims).encode()), signature])


class Tamperer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name: self.headers[name] for name in ("Content-Type", "Authorization") if self.headers[name]}
        try:
            with urllib.request.urlopen(urllib.request.Request(TOKEN_URL, body, headers), timeout=10) as answer:
                status, data = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            status, data = error.code, json.loads(error.read() or b"{}")
        if "id_token" in data:
            data["id_token"] = tampered(data["id_token"])
        out = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Tamperer).serve_forever()
