"""A stub custom handler for the functions-host tests: records every request it receives (method,
target, headers in order, body, framing) as JSON lines in $STUB_RECORD, and answers per protocol.

- GET /                      -> 200 (readiness)
- POST /<FunctionName>       -> the JSON-protocol answer in $STUB_INVOCATION_RESPONSE (a file)
- a path ending /stream      -> 200 text/event-stream, chunked: `chunks` events (query), `delayMs` apart,
                                a pause of `pauseMs` after the `pauseAfter`th; a client gone away is
                                recorded as {"kind": "stream-aborted", "sent": n}
- anything else (forwarded)  -> 200 JSON echo, header X-Stub: forwarded
A request carrying header X-Stub-Exit: N (or, in JSON mode, Data.req.Headers X-Stub-Exit) is
answered, then the process exits with code N. $STUB_START_DELAY_MS delays listening."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORD = os.environ["STUB_RECORD"]
LOCK = threading.Lock()


def record(entry):
    with LOCK, open(RECORD, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return body, True
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length), False

    def answer(self, status, body, content_type="application/json", extra=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def handle_any(self):
        body, chunked = self.read_body()
        record({"kind": "request", "method": self.command, "target": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"), "chunked": chunked})
        exit_code = self.headers.get("X-Stub-Exit")
        if self.path.split("?")[0].endswith("/stream"):
            self.stream()
        elif self.path == "/" and self.command == "GET":
            self.answer(200, "ready", "text/plain")
        elif self.command == "POST" and self.path.count("/") == 1 and not self.path.startswith("/api"):
            try:
                request = json.loads(body)["Data"].get("req") or {}
                exit_code = exit_code or (request.get("Headers", {}).get("X-Stub-Exit") or [None])[0]
            except (ValueError, KeyError, AttributeError):
                pass
            with open(os.environ["STUB_INVOCATION_RESPONSE"], encoding="utf-8") as answer:
                self.answer(200, answer.read())
        else:
            self.answer(200, json.dumps({"method": self.command, "target": self.path}), extra=[("X-Stub", "forwarded")])
        if exit_code is not None:
            os._exit(int(exit_code))

    def stream(self):
        from urllib.parse import parse_qs, urlsplit
        query = {k: int(v[0]) for k, v in parse_qs(urlsplit(self.path).query).items() if v[0].isdigit()}
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Stub", "streamed")
        self.end_headers()
        sent = 0
        try:
            for index in range(query.get("chunks", 3)):
                data = f"data: {{\"n\":{index},\"at\":{time.time():.3f}}}\n\n".encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
                sent += 1
                time.sleep(query.get("delayMs", 0) / 1000)
                if sent == query.get("pauseAfter", -1):
                    time.sleep(query.get("pauseMs", 0) / 1000)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            record({"kind": "stream-done", "sent": sent})
        except (BrokenPipeError, ConnectionResetError):
            record({"kind": "stream-aborted", "sent": sent})
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


def main():
    record({"kind": "start", "argv": sys.argv[1:], "cwd": os.getcwd(),
            "env": {k: v for k, v in os.environ.items() if k.startswith(("FUNCTIONS_", "STUB_"))}})
    time.sleep(int(os.environ.get("STUB_START_DELAY_MS", "0")) / 1000)
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["FUNCTIONS_CUSTOMHANDLER_PORT"])), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
