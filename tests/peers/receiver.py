"""An HTTP receiver run as its own process by the tests, standing for a brand-name SMS gateway's
API or a partner's webhook endpoint (the national portal has its emulator, national_portal.py):
`python tests/peers/receiver.py <port> <log file> <answers> [<seconds>:<count>]`. Each POST is
appended to the log as one JSON line ({"headers", "body", "raw"}: the body parsed, and as sent)
when it arrives; the answers are status codes given in turn ("500,200"), the last one repeated;
the first <count> answers wait <seconds> first (a receiver that is slow, so a sender can die
waiting)."""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG, ANSWERS = int(sys.argv[1]), sys.argv[2], [int(code) for code in sys.argv[3].split(",")]
DELAY, DELAYED = (float(sys.argv[4].split(":")[0]), int(sys.argv[4].split(":")[1])) if len(sys.argv) > 4 else (0.0, 0)
served = 0


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        global served
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(LOG, "a", encoding="utf-8") as log:
            try:  # an OCSP request is not JSON: logged with no parsed body
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            entry = {"headers": dict(self.headers), "body": parsed, "raw": body.decode(errors="replace")}
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        status = ANSWERS[min(served, len(ANSWERS) - 1)]
        served += 1
        if served <= DELAYED:
            time.sleep(DELAY)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "busy"}')

    def do_GET(self) -> None:
        """A fetch (a CRL, an issuer's certificate): logged as {"method", "path"}, answered 404."""
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"method": "GET", "path": self.path}) + "\n")
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Receiver).serve_forever()
