"""A local webhook receiver for scripts/run (standing in for a Teams or Slack channel, or a
finance system): accepts POSTs, checks the generic webhook's HMAC-SHA256 signature when given the
secret, and appends one JSON line per alert to a file. Usage: webhook_receiver.py PORT FILE [SECRET]"""
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, path = int(sys.argv[1]), sys.argv[2]
secret = sys.argv[3].encode() if len(sys.argv) > 3 else None


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("X-Chargeback-Signature", "")
        verified = None
        if secret and signature:
            parts = dict(part.split("=", 1) for part in signature.split(","))
            expected = hmac.new(secret, parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
            verified = hmac.compare_digest(expected, parts.get("v1", ""))
        try:
            alert = json.loads(body)
        except ValueError:
            alert = None
        with open(path, "a") as out:
            out.write(json.dumps({"path": self.path, "key": self.headers.get("X-Chargeback-Alert-Key"), "signatureVerified": verified,
                                  "alert": alert}) + "\n")
        self.send_response(200 if verified is not False else 401)
        self.end_headers()

    def log_message(self, *arguments):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
