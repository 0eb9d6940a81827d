"""A man in the middle of the userinfo request, run as its own process by the sign-in tests:
`python tests/peers/userinfo_tamperer.py <port> <provider's userinfo URL>`. It forwards each
request, with its access token, to the real provider and hands back its answer about another
subject (`sub` changed): a portal that checks userinfo's `sub` against the ID token's must refuse."""

import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, USERINFO_URL = int(sys.argv[1]), sys.argv[2]


class Tamperer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        headers = {"Authorization": self.headers.get("Authorization", "")}
        try:
            with urllib.request.urlopen(urllib.request.Request(USERINFO_URL, headers=headers), timeout=10) as answer:
                status, data = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            status, data = error.code, json.loads(error.read() or b"{}")
        if "sub" in data:
            data["sub"] = "someone-else"
        out = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Tamperer).serve_forever()
