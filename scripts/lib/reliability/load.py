"""The load generator: threads with keep-alive http.client connections, posting envelopes to ingest
through functions-host with the ingest key, and the sender's own ledger of every event and every HTTP answer."""
import collections
import http.client
import json
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


class Client:
    """One thread's keep-alive connections, one per host."""

    def __init__(self, headers, timeout=30):
        self.connections = {}
        self.headers = headers
        self.timeout = timeout

    def post(self, host, body):
        connection = self.connections.get(host.port)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=self.timeout)
            self.connections[host.port] = connection
        headers = dict(self.headers)
        headers["x-functions-key"] = host.ingest_key
        headers["Content-Type"] = "application/json"
        try:
            connection.request("POST", "/api/v1/ingest", body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                self.connections.pop(host.port, None)
            return response.status, outcome_of(response.status, data)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            self.connections.pop(host.port, None)
            return 0, "no_answer:" + type(error).__name__

    def close(self):
        for connection in self.connections.values():
            connection.close()
        self.connections = {}


class Pool:
    """`groups` × `group_size` threads. Each work item is a list of up to `group_size` deliveries
    (event, host) that one group sends at the same instant (a barrier releases them together)."""

    def __init__(self, ledger, headers, groups, group_size=1):
        self.ledger, self.headers, self.groups, self.group_size = ledger, headers, groups, group_size
        self.stop = threading.Event()

    def run(self, work):
        """Sends every item of the iterable `work` (consumed under a lock); returns when done or stopped."""
        source = iter(work)
        source_lock = threading.Lock()
        threads = []
        for _ in range(self.groups):
            barrier = threading.Barrier(self.group_size)
            slot = {"item": None}
            for member in range(self.group_size):
                thread = threading.Thread(target=self._member, args=(member, barrier, slot, source, source_lock), daemon=True)
                threads.append(thread)
                thread.start()
        for thread in threads:
            thread.join()

    def _member(self, member, barrier, slot, source, source_lock):
        client = Client(self.headers)
        try:
            while True:
                if member == 0:
                    item = None
                    if not self.stop.is_set():
                        with source_lock:
                            item = next(source, None)
                    slot["item"] = item
                barrier.wait()
                item = slot["item"]
                if item is None:
                    return
                if member < len(item):
                    event, host = item[member]
                    status, outcome = client.post(host, event.body)
                    self.ledger.record(event.rid, status, outcome, host.name)
                barrier.wait()
        finally:
            client.close()


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
