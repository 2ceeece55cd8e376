"""The scenarios' shared parts: the parameters of the short and long modes, the context every
scenario gets (its Redis servers, hosts, events and ledger views), and the checks and table rows
they share. Each scenario is a module of its own (s1_duplicates.py … s6_security.py); each starts
what it needs, drives load while injecting one kind of fault, then checks with verify.exactly_once
(and the usage summary, and the rolled-up snapshot) that every acknowledged event is counted exactly once."""
import collections
import json
import random
import pathlib
import secrets
import threading
import time

import envelopes
import verify
from procs import Host, Keys, RedisServer
from resp import Redis


SHORT = {
    "dup_events": 2000, "dup_groups": 6,
    "crash_threads": 8, "crash_warm": 2.0, "crash_kills": [1.5], "crash_between": 4.0, "crash_stop": 5.0, "crash_after": 4.0,
    "kill_threads": 8, "kill_warm": 2.0, "kill_count": 2, "kill_between": 3.0,
    "scale_events": 1500, "scale_groups": 4,
    "cluster_groups": 4, "cluster_warm": 2.0, "cluster_slots": 2, "cluster_migrate_seconds": 2.0, "cluster_after": 3.0,
    "disk_normal": 40, "disk_max_attempts": 120,
}
LONG = {
    "dup_events": 15000, "dup_groups": 8,
    "crash_threads": 12, "crash_warm": 5.0, "crash_kills": [0.0, 3.0, 10.0], "crash_between": 8.0, "crash_stop": 30.0, "crash_after": 10.0,
    "kill_threads": 12, "kill_warm": 5.0, "kill_count": 2, "kill_between": 10.0,
    "scale_events": 10000, "scale_groups": 6,
    "cluster_groups": 6, "cluster_warm": 5.0, "cluster_slots": 3, "cluster_migrate_seconds": 8.0, "cluster_after": 8.0,
    "disk_normal": 200, "disk_max_attempts": 400,
}


class Context:
    def __init__(self, work, bin_dir, app_root, params, canary, day, cluster_nodes, log, reports):
        self.work, self.bin_dir, self.app_root, self.params = work, bin_dir, app_root, params
        self.reports = pathlib.Path(reports)
        self.canary, self.day, self.cluster_nodes, self.log = canary, day, cluster_nodes, log
        self.keys = Keys()
        self.headers = canary.http_headers()
        self.redis_servers = []      # every standalone Redis, kept running until the canary scan
        self.hosts = []              # every functions-host started
        self.seed = int.from_bytes(secrets.token_bytes(4), "big")
        self.reported = set()
        self.report_statuses = {}

    def redis(self, name):
        server = RedisServer(self.work, name)
        server.start()
        self.redis_servers.append(server)
        return server

    def view(self, redis_url, cluster=False):
        """The ledger and snapshots of one Redis, read through `chargeback inspect`."""
        return verify.LedgerView(self.bin_dir, self.app_root, redis_url, cluster)

    def outside_interference(self):
        """Redis servers (ours, and the cluster's nodes) that died without the suite stopping them."""
        problems = [m for m in (s.unexpected_exit() for s in self.redis_servers) if m]
        for node in self.cluster_nodes:
            try:
                connection = Redis(*node, timeout=2)
                connection("PING")
                connection.close()
            except (OSError, ConnectionError) as error:
                problems.append(f"cluster node {node[0]}:{node[1]} does not answer ({type(error).__name__}); "
                                "the suite never stops cluster nodes")
        fresh = [p for p in problems if p not in self.reported]
        self.reported.update(fresh)
        return fresh

    def host(self, name, redis_url, extra_env=None, wrapper=None, spool_dir=None, named_keys=None):
        host = Host(self.work, name, self.bin_dir, self.app_root, redis_url, self.keys,
                    extra_env=extra_env, wrapper=wrapper, spool_dir=spool_dir, named_keys=named_keys)
        host.start()
        self.hosts.append(host)
        return host

    def events(self, prefix, count, subscriptions):
        return envelopes.make_events(prefix, count, subscriptions, self.day, self.canary, self.seed ^ hash(prefix) & 0xFFFFFFFF)

    def event_maker(self, prefix, subscriptions):
        rng = random.Random(self.seed ^ hash(prefix) & 0xFFFFFFFF)
        return lambda i: envelopes.make_event(rng, f"{prefix}-{i:06d}", subscriptions[i % len(subscriptions)], self.day, self.canary)

    def save_reports(self, scenario, host):
        """The report endpoints' answers (JSON, CSV, HTML, usage summary, budget status) for the canary scan."""
        folder = self.reports / scenario
        folder.mkdir(parents=True, exist_ok=True)
        month = self.day[:7]
        paths = {
            "report-day.json": f"/api/v1/chargeback/report?from={self.day}&to={self.day}&format=json",
            "report-day.csv": f"/api/v1/chargeback/report?from={self.day}&to={self.day}&format=csv",
            "report-day.html": f"/api/v1/chargeback/report?from={self.day}&to={self.day}&format=html",
            "report-month.json": f"/api/v1/chargeback/report?month={month}&format=json",
            "usage-summary.json": f"/api/v1/usage/summary?from={self.day}&to={self.day}&groupBy=deployment",
            "usage-summary-hour.json": f"/api/v1/usage/summary?from={self.day}&to={self.day}&groupBy=hour&tz=Europe/Paris",
            "budget-status.json": "/api/v1/budget/status?costCenter=unassigned",
            # Served only by builds that have the metrics function (a 404 otherwise is kept as is).
            "metrics.txt": "/api/v1/metrics",
        }
        statuses = {}
        for name, path in paths.items():
            status, body = host.request("GET", path, headers={"x-functions-key": self.keys.report}, timeout=60)
            (folder / name).write_bytes(body)
            statuses[name] = status
        self.report_statuses[scenario] = statuses
        return statuses


def subscriptions(name, count):
    return [f"rel-{name}-{i:02d}" for i in range(count)]


def drained(host, prefix=""):
    """True when the host's spool holds nothing (no active lines, no replay in progress)."""
    for name, size in host.spool_files(prefix):
        if name == "spool.replaying.jsonl" or (name == "spool.jsonl" and size > 0):
            return False
    return True


def wait_drained(ctx, hosts, check, timeout=90, prefixes=None):
    started = time.monotonic()
    prefixes = prefixes or {}
    ok = verify.wait_until(lambda: all(drained(h, prefixes.get(h.name, "")) for h in hosts), timeout)
    took = time.monotonic() - started
    check.add("spool replayed and empty", ok, f"after {took:.1f} s" if ok else f"still holding after {timeout} s: "
              + "; ".join(f"{h.name}: {h.spool_files(prefixes.get(h.name, ''))}" for h in hosts))
    return took


def in_background(pool, work):
    thread = threading.Thread(target=pool.run, args=(work,), daemon=True)
    thread.start()
    return thread


def outcome_table(ledger):
    return dict(sorted(ledger.outcomes().items()))


def phase_table(ledger):
    phases = collections.OrderedDict()
    for answers in ledger.answers.values():
        for status, outcome, _, phase, _ in answers:
            phases.setdefault(phase, collections.Counter())[f"{status} {outcome}"] += 1
    return {phase: dict(sorted(c.items())) for phase, c in phases.items()}


def non_2xx(ledger):
    return sum(1 for answers in ledger.answers.values() for a in answers if not 200 <= a[0] < 300)


def row(ctx, name, figures, check, ledger, notes, extra=None):
    """One scenario's result; the sender's ledger goes to WORK/ledger-<name>.jsonl (ids, meters, answers; no bodies)."""
    if ctx is not None and ledger.events:
        ledger.dump(ctx.work.root / ("ledger-" + name.split()[0] + "-" + name.split()[1] + ".jsonl"))
    result = {
        "scenario": name, "sent": figures["sent"], "deliveries": ledger.deliveries(),
        "acknowledged": figures["acknowledged"], "counted": figures["counted"], "lost": figures["lost"],
        "double_counted": figures["double_counted"], "non_2xx": non_2xx(ledger),
        "answers": outcome_table(ledger), "answers_by_phase": phase_table(ledger),
        "invariants": check.items, "ok": check.ok and figures["lost"] == 0 and figures["double_counted"] == 0,
        "notes": notes,
    }
    result.update(extra or {})
    return result


def recovery(ledger, since, until=None):
    """After a fault ended at `since`: seconds until the first 'recorded' answer and until the last 'spooled' one."""
    first_recorded, last_spooled = None, None
    for answers in ledger.answers.values():
        for _, outcome, _, _, at in answers:
            if at < since or (until is not None and at >= until):
                continue
            if outcome == "recorded" and (first_recorded is None or at < first_recorded):
                first_recorded = at
            if outcome == "spooled" and (last_spooled is None or at > last_spooled):
                last_spooled = at
    fmt = lambda t: "none" if t is None else f"{t - since:.2f} s"  # noqa: E731
    return f"first 'recorded' after {fmt(first_recorded)}, last 'spooled' after {fmt(last_spooled)}"


def one_recorded_each(check, ledger, rids, label=""):
    """With Redis healthy, each event's concurrent copies get exactly one 'recorded', the rest 'duplicate'."""
    wrong = []
    for rid in rids:
        outcomes = collections.Counter(o for s, o, *_ in ledger.answers[rid])
        if outcomes["recorded"] != 1 or sum(outcomes.values()) != outcomes["recorded"] + outcomes["duplicate"]:
            wrong.append((rid, dict(outcomes)))
    check.add("each event's copies answered exactly one 'recorded', the others 'duplicate'" + (f" ({label})" if label else ""),
              not wrong, f"{len(wrong)} events otherwise, e.g. {wrong[:3]}" if wrong else "")


def scheduled_rollups(hosts):
    """Scheduled (not manual) rollup runs the hosts logged: the timer fires at :15 every hour. The
    host's lines are JSON objects (functions-host writes them through JSONLog, as the handler does)."""
    runs = 0
    for h in hosts:
        for line in open(h.log, errors="replace"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if (isinstance(entry, dict) and entry.get("logger") == "functions-host" and entry.get("function.name") == "rollup"
                    and entry.get("timer.manual") == "false" and str(entry.get("message", "")).startswith("timer run")):
                runs += 1
    return runs


def rollup_and_check(ctx, check, hosts, view, expected, label=""):
    before, _, _ = verify.read_snapshot(view, ctx.day)
    statuses = verify.fire_rollups(hosts)
    check.add("rollup timer fired on every instance answered 202" + (f" ({label})" if label else ""),
              all(s == 202 for s in statuses), f"statuses {statuses}")
    latest, revisions = verify.check_snapshot(check, view, ctx.day, expected, before=before, label=label)
    scheduled = scheduled_rollups(hosts)
    if scheduled:
        check.add("note: the scheduled rollup (:15) also ran during this scenario", True,
                  f"{scheduled} scheduled run(s); revision before the fired rollup: {before}")
    return statuses, latest, revisions
