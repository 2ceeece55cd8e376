"""The sender: envelopes posted to ingest through functions-host with the ingest key by the project's
one load generator (`ingest-load --feed`), and the sender's own ledger of every event and every HTTP answer."""
import collections
import json
import subprocess
import threading
import time

from envelopes import METERS


class Ledger:
    """Every event sent (request id → Event) and every answer: (status, outcome, host name, phase, time)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events = {}
        self.answers = collections.defaultdict(list)
        self.phase = "load"
        self.protocol_errors = []  # answer lines of the sender that could not be read

    def add(self, event):
        with self.lock:
            self.events[event.rid] = event

    def record(self, rid, status, outcome, host):
        with self.lock:
            self.answers[rid].append((status, outcome, host, self.phase, time.monotonic()))

    def set_phase(self, phase):
        with self.lock:
            self.phase = phase

    def acknowledged(self, rids=None):
        rids = self.events if rids is None else rids
        return {rid for rid in rids if any(200 <= a[0] < 300 for a in self.answers.get(rid, ()))}

    def deliveries(self):
        return sum(len(a) for a in self.answers.values())

    def outcomes(self, phase=None):
        """Counter of 'status outcome' over every answer (optionally of one phase)."""
        counter = collections.Counter()
        for answers in self.answers.values():
            for status, outcome, _, answer_phase, _ in answers:
                if phase is None or phase == answer_phase:
                    counter[f"{status} {outcome}"] += 1
        return counter

    def expected(self, rids):
        """Expected totals per (subscription, deployment, meter) for these request ids."""
        totals = collections.Counter()
        for rid in rids:
            event = self.events[rid]
            for meter in METERS:
                if event.expected[meter]:
                    totals[(event.subscription, event.deployment, meter)] += event.expected[meter]
        return totals

    def dump(self, path):
        """The ledger as JSON lines: ids, expected meters and answers; never an envelope body."""
        with self.lock, open(path, "w") as out:
            for rid, event in self.events.items():
                out.write(json.dumps({"requestId": rid, "subscription": event.subscription, "deployment": event.deployment,
                                      "day": event.day, "expected": event.expected,
                                      "answers": [[s, o, h, p] for s, o, h, p, _ in self.answers.get(rid, ())]}) + "\n")


def outcome_of(status, body):
    """What ingest said: recorded/duplicate/spooled on 2xx, else the error code of the JSON error body."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "non_json_body"
    if not isinstance(parsed, dict):
        return "non_json_body"
    if 200 <= status < 300:
        return str(parsed.get("status"))
    error = parsed.get("error")
    if isinstance(error, dict) and error.get("code"):
        return str(error["code"])
    return "no_error_code"


class Pool:
    """`groups` work items in flight at once. Each item is a list of up to `group_size` deliveries
    (event, host) sent at the same instant. The HTTP work is the project's one load generator,
    `ingest-load --feed` (Swift, Sources/ingest-load/Feed.swift): this side feeds it the deliveries on
    stdin and records each answer it prints in the sender's ledger. `binary` is set by main.py."""

    binary = None

    def __init__(self, ledger, headers, groups, group_size=1):
        self.ledger, self.headers, self.groups, self.group_size = ledger, headers, groups, group_size
        self.stop = threading.Event()

    def run(self, work):
        """Sends every item of the iterable `work`; returns when done or stopped and every answer is in."""
        arguments = [self.binary, "--feed", "--concurrency", str(self.groups)]
        for name, value in self.headers.items():
            arguments += ["--header", f"{name}:{value}"]
        process = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        items = {}
        reader = threading.Thread(target=self._answers, args=(process.stdout, items), daemon=True)
        reader.start()
        errors = []
        drain = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
        drain.start()
        source = iter(work)
        number = 0
        try:
            while not self.stop.is_set():
                item = next(source, None)
                if item is None:
                    break
                items[str(number)] = item
                lines = []
                for event, host in item[:self.group_size]:
                    # One line of UTF-8 (the sender reads lines): no newline or carriage return.
                    if b"\n" in event.body or b"\r" in event.body:
                        raise ValueError(f"event {event.rid}: a fed envelope must be one line")
                    lines.append(b"%d\t%d\t%s\t%s\t%s\n" % (number, min(len(item), self.group_size),
                                                                f"http://127.0.0.1:{host.port}/api/v1/ingest".encode(),
                                                                host.ingest_key.encode(), event.body))
                process.stdin.write(b"".join(lines))
                process.stdin.flush()
                number += 1
        except BrokenPipeError:
            pass
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
            status = process.wait()
            reader.join()
            drain.join()
        if status != 0:
            raise RuntimeError(f"ingest-load --feed exited {status}: {b''.join(errors).decode(errors='replace').strip()[:300]}")
        if self.ledger.protocol_errors:
            raise RuntimeError(f"unreadable answers from ingest-load --feed: {self.ledger.protocol_errors[:3]}")

    def _answers(self, stream, items):
        # Drains to the end whatever a line holds: a reader that stopped would fill the pipe and
        # stall the sender (and this side, writing to it) for good.
        for line in stream:
            try:
                item, index, status, outcome = line.decode(errors="replace").rstrip("\n").split("\t", 3)
                event, host = items[item][int(index)]
                self.ledger.record(event.rid, int(status), outcome, host.name)
            except (ValueError, KeyError, IndexError) as error:
                self.ledger.protocol_errors.append(f"{line[:120]!r}: {error}")


def singles(events, hosts, ledger):
    """Each event once, hosts round robin."""
    for index, event in enumerate(events):
        ledger.add(event)
        yield [(event, hosts[index % len(hosts)])]


def copies(events, hosts, count, ledger):
    """Each event `count` times at once, the copies spread round robin over the hosts."""
    position = 0
    for event in events:
        ledger.add(event)
        item = []
        for _ in range(count):
            item.append((event, hosts[position % len(hosts)]))
            position += 1
        yield item


def until_stopped(make_event, hosts, ledger, stop, limit=10**9):
    """Events made on demand until `stop` is set (continuous load during fault injection)."""
    index = 0
    while not stop.is_set() and index < limit:
        event = make_event(index)
        ledger.add(event)
        yield [(event, hosts[index % len(hosts)])]
        index += 1
