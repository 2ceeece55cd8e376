"""What Redis counted, read three ways (the ledger and the day snapshot through `chargeback inspect`,
the handler's usage summary over HTTP), compared with the sender's ledger. The suite never spells a
Redis key: `chargeback inspect` reads through the handler's own adapters (Sources/ChargebackRedis/RedisKeys.swift)."""
import collections
import json
import os
import pathlib
import subprocess
import time

from envelopes import METERS, SNAPSHOT_METERS


class LedgerView:
    """One Redis (plain, or a cluster through a seed node) as `chargeback inspect` reports it."""

    def __init__(self, bin_dir, app_root, redis_url, cluster=False):
        self.command = [os.path.join(bin_dir, "chargeback"), "inspect"]
        self.app_root = app_root
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDIS_CONNECTION_STRING": redis_url,
                    "REDIS_CLUSTER": "true" if cluster else "false", "REDIS_TIMEOUT_MS": "5000"}

    def inspect(self, *arguments):
        done = subprocess.run(self.command + [str(a) for a in arguments], cwd=self.app_root, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"chargeback inspect {' '.join(map(str, arguments))} exited {done.returncode}: {done.stderr.strip()[:300]}")
        return json.loads(done.stdout)

    def subscriptions(self, subscriptions, day):
        arguments = ["--day", day]
        for subscription in subscriptions:
            arguments += ["--subscription", subscription]
        return self.inspect(*arguments)["subscriptions"]

    def slot(self, subscription, day):
        return self.subscriptions([subscription], day)[subscription]["slot"]

    def latest_revisions(self, months):
        """{day: latest revision} of every snapshotted day of these months."""
        arguments = []
        for month in months:
            arguments += ["--month", month]
        return {day: revision for days in self.inspect(*arguments)["months"].values() for day, revision in days.items()}


def read_ledger(view, subscriptions, day):
    """(request ids with a dedupe marker, counters per (subscription, deployment, meter))."""
    seen = set()
    counters = collections.Counter()
    for subscription, state in view.subscriptions(subscriptions, day).items():
        seen.update(state["dedupeIds"])
        for deployment, totals in state["deployments"].items():
            for meter in METERS:
                if totals.get(meter):
                    counters[(subscription, deployment, meter)] += totals[meter]
    return seen, counters


def read_snapshot(view, day):
    """(latest revision, revision numbers present, lines summed per (subscription, deployment, meter)).
    Provisioned (PTU) hours are shared, not counted: they are checked apart (check_provisioned)."""
    state = view.inspect("--snapshot", day)["snapshots"][day]
    lines = collections.Counter()
    for line in state["lines"]:
        if line["meter"] != "provisioned":
            lines[(line["subscription"], line["deployment"], line["meter"])] += line["quantity"]
    return state.get("latest"), state["revisions"], lines


def provisioned_hours(view, day):
    """Millionths of a PTU-hour per provisioned deployment in the day's latest snapshot."""
    hours = collections.Counter()
    for line in view.inspect("--snapshot", day)["snapshots"][day]["lines"]:
        if line["meter"] == "provisioned":
            hours[line["deployment"]] += line["quantity"]
    return hours


def check_provisioned(check, view, day, suffix):
    """Each PTU deployment of the app's price book is shared whole: 24 h x its PTUs, in millionths."""
    book = json.loads((pathlib.Path(view.app_root) / "config" / "price-book.json").read_text())
    want = {entry["deployment"]: entry["ptus"] * 24 * 1_000_000 for entry in book.get("provisioned", [])}
    got = dict(provisioned_hours(view, day))
    check.add("provisioned hours shared whole (24 h x PTUs)" + suffix, got == want, f"expected {want}, got {got}")


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


def exactly_once(check, ledger, view, rids, day, label=""):
    """Checks acknowledged ⊆ counted ⊆ sent and counters == the sum of the counted events' meters.
    Returns the figures of the row."""
    subscriptions = sorted({ledger.events[r].subscription for r in rids})
    seen, counters = read_ledger(view, subscriptions, day)
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


def check_snapshot(check, view, day, expected, before=None, label=""):
    """After a (concurrent) rollup: the latest revision equals the ledger, revisions are 1..n without
    gaps, and the rollup added exactly one revision (none if the day was already rolled up with these
    numbers, e.g. by the scheduled timer at :15 after the load ended). `before` = the latest revision
    before the rollup was fired (None: no revision yet)."""
    latest, revisions, lines = read_snapshot(view, day)
    want = snapshot_expected(expected)
    suffix = f" ({label})" if label else ""
    previous = before or 0
    mismatch = diff(want, lines)
    check.add("day snapshot lines equal the ledger's tokens" + suffix, not mismatch, "; ".join(mismatch))
    check_provisioned(check, view, day, suffix)
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
