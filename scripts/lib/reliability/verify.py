"""What Redis counted, read three ways (ledger keys directly, the handler's usage summary, the rolled-up
day snapshot), compared with the sender's ledger. Key layout: docs/redis-schema.md
(Sources/ChargebackRedis/RedisKeys.swift)."""
import collections
import time

from envelopes import METERS, SNAPSHOT_METERS

COUNTER_METERS = {"requests": "requests", "inputTokens": "inputTokens", "cachedInputTokens": "cachedInputTokens",
                  "outputTokens": "outputTokens", "errors:4xx": "errors", "errors:5xx": "errors", "errors:none": "errors"}


def read_ledger(store, subscriptions, day):
    """(request ids with a dedupe marker, counters per (subscription, deployment, meter)) from Redis.
    Ids are plain [a-z0-9-], so keys need no percent-encoding."""
    store.refresh()
    seen = set()
    counters = collections.Counter()
    for subscription in subscriptions:
        tag = f"cb:v1:{{s:{subscription}}}"
        node = store.node_for(tag)
        connection = store.conn(node)
        for key in connection.scan_keys(tag + ":seen:*"):
            seen.add(key.decode().rsplit(":seen:", 1)[1])
        for key in connection.scan_keys(f"{tag}:h:{day}T*"):
            flat = store.call(key, "HGETALL", key)
            for field, value in zip(flat[0::2], flat[1::2]):
                deployment, meter = field.decode().split("|", 1)
                if meter in COUNTER_METERS:
                    counters[(subscription, deployment, COUNTER_METERS[meter])] += int(value)
    return seen, counters


def read_snapshot(store, day):
    """(latest revision, revision numbers present, lines summed per (subscription, deployment, meter))."""
    month = day[:7]
    prefix = f"cb:v1:{{m:{month}}}:snap:{day}"
    latest = store.call(prefix, "GET", prefix + ":latest")
    node = store.node_for(prefix)
    revisions = sorted(int(k.decode().rsplit(":r", 1)[1]) for k in store.conn(node).scan_keys(prefix + ":r*")
                       if not k.endswith(b":summary"))
    lines = collections.Counter()
    if latest is not None:
        flat = store.call(prefix, "HGETALL", f"{prefix}:r{int(latest)}")
        for field, value in zip(flat[0::2], flat[1::2]):
            parts = field.decode().split("|")
            # cost center|subscription|deployment|model|meter|price version|micros
            lines[(parts[1], parts[2], parts[4])] += int(value)
    return (int(latest) if latest is not None else None), revisions, lines


def snapshot_expected(expected):
    out = collections.Counter()
    for (subscription, deployment, meter), amount in expected.items():
        if meter in SNAPSHOT_METERS:
            out[(subscription, deployment, SNAPSHOT_METERS[meter])] += amount
    return out


def usage_summary(host, day):
    """Per subscription totals from GET /api/v1/usage/summary (through functions-host)."""
    status, body = host.get_json(f"/api/v1/usage/summary?from={day}&to={day}&groupBy=subscription")
    if status != 200:
        return status, None
    totals = {}
    for group in body["groups"]:
        totals[group["key"]] = {m: group.get(m, 0) for m in METERS}
    return status, totals


def per_subscription(counter):
    out = collections.defaultdict(collections.Counter)
    for (subscription, _deployment, meter), amount in counter.items():
        out[subscription][meter] += amount
    return out


def diff(expected, actual, limit=6):
    keys = sorted(set(expected) | set(actual))
    return [f"{k}: expected {expected.get(k, 0)}, got {actual.get(k, 0)}" for k in keys if expected.get(k, 0) != actual.get(k, 0)][:limit]


class Check:
    """The invariants of one scenario: each a name, a pass flag and details."""

    def __init__(self):
        self.items = []

    def add(self, name, ok, detail=""):
        self.items.append({"name": name, "ok": bool(ok), "detail": detail})
        return ok

    @property
    def ok(self):
        return all(i["ok"] for i in self.items)


def exactly_once(check, ledger, store, rids, day, label=""):
    """Checks acknowledged ⊆ counted ⊆ sent and counters == the sum of the counted events' meters.
    Returns the figures of the row."""
    subscriptions = sorted({ledger.events[r].subscription for r in rids})
    seen, counters = read_ledger(store, subscriptions, day)
    sent = set(rids)
    acknowledged = ledger.acknowledged(sent)
    counted = seen & sent
    stray = seen - sent
    lost = acknowledged - counted
    expected = ledger.expected(counted)
    requests_counted = sum(v for (s, d, m), v in counters.items() if m == "requests")
    double = max(0, requests_counted - len(counted))
    suffix = f" ({label})" if label else ""
    check.add("acknowledged events all counted" + suffix, not lost, f"{len(lost)} lost, e.g. {sorted(lost)[:5]}" if lost else "")
    check.add("request counters equal distinct counted ids" + suffix, requests_counted == len(counted),
              f"counters say {requests_counted} requests, {len(counted)} distinct ids have a dedupe marker")
    mismatch = diff(expected, counters)
    check.add("token and error counters equal the counted events' meters" + suffix, not mismatch, "; ".join(mismatch))
    check.add("no marker for an id never sent" + suffix, not stray, f"{len(stray)} stray markers" if stray else "")
    return {"sent": len(sent), "acknowledged": len(acknowledged), "counted": len(counted), "lost": len(lost),
            "double_counted": double, "expected": expected, "counters": counters}


def check_summary(check, host, day, expected, label="", ignore=()):
    """The usage summary per subscription equals `expected`; subscriptions in `ignore` are checked elsewhere."""
    status, totals = usage_summary(host, day)
    want = {s: dict(c) for s, c in per_subscription(expected).items()}
    if totals is None:
        return check.add("usage summary equals the ledger" + (f" ({label})" if label else ""), False, f"HTTP {status}")
    problems = []
    for subscription, meters in want.items():
        got = totals.get(subscription, {})
        for meter in METERS:
            if meters.get(meter, 0) != got.get(meter, 0):
                problems.append(f"{subscription} {meter}: expected {meters.get(meter, 0)}, summary {got.get(meter, 0)}")
    extra = set(totals) - set(want) - set(ignore)
    if extra:
        problems.append(f"summary has subscriptions never sent: {sorted(extra)[:3]}")
    return check.add("usage summary (handler) equals the ledger" + (f" ({label})" if label else ""), not problems, "; ".join(problems[:5]))


def fire_rollups(hosts):
    """POST /admin/functions/rollup on every host at the same instant; returns their statuses."""
    import threading
    statuses = [None] * len(hosts)
    barrier = threading.Barrier(len(hosts))

    def fire(index):
        barrier.wait()
        try:
            statuses[index] = hosts[index].fire_timer("rollup")
        except OSError as error:
            statuses[index] = f"error {type(error).__name__}"

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(hosts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def check_snapshot(check, store, day, expected, before=None, label=""):
    """After a (concurrent) rollup: the latest revision equals the ledger, revisions are 1..n without
    gaps, and the rollup added exactly one revision (none if the day was already rolled up with these
    numbers, e.g. by the scheduled timer at :15 after the load ended). `before` = the latest revision
    before the rollup was fired (None: no revision yet)."""
    latest, revisions, lines = read_snapshot(store, day)
    want = snapshot_expected(expected)
    suffix = f" ({label})" if label else ""
    previous = before or 0
    mismatch = diff(want, lines)
    check.add("day snapshot lines equal the ledger's tokens" + suffix, not mismatch, "; ".join(mismatch))
    consecutive = latest is not None and revisions == list(range(1, latest + 1))
    added = (latest or 0) - previous
    check.add("the rollup wrote exactly one new revision (revisions 1..n, no gap, no twin)" + suffix,
              consecutive and added in ((0, 1) if previous else (1,)),
              f"latest before {before}, after {latest}, revisions present {revisions}")
    return latest, revisions


def wait_until(predicate, timeout, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
