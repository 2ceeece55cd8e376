"""The reliability scenarios. Each starts what it needs, drives load while injecting one kind of
fault, then checks with verify.exactly_once (and the usage summary, and the rolled-up snapshot)
that every acknowledged event is counted exactly once. Each returns a result dict (one row)."""
import base64
import collections
import json
import os
import random
import pathlib
import secrets
import shutil
import subprocess
import threading
import time

import envelopes
import load
import verify
from procs import Host, Keys, RedisServer
from resp import Redis, Store, key_slot

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
    """Scheduled (not manual) rollup runs the hosts logged: the timer fires at :15 every hour."""
    return sum(1 for h in hosts for line in open(h.log, errors="replace")
               if "timer.manual=false" in line and "function.name=rollup" in line and "timer run" in line)


def rollup_and_check(ctx, check, hosts, store, expected, label=""):
    before, _, _ = verify.read_snapshot(store, ctx.day)
    statuses = verify.fire_rollups(hosts)
    check.add("rollup timer fired on every instance answered 202" + (f" ({label})" if label else ""),
              all(s == 202 for s in statuses), f"statuses {statuses}")
    latest, revisions = verify.check_snapshot(check, store, ctx.day, expected, before=before, label=label)
    scheduled = scheduled_rollups(hosts)
    if scheduled:
        check.add("note: the scheduled rollup (:15) also ran during this scenario", True,
                  f"{scheduled} scheduled run(s); revision before the fired rollup: {before}")
    return statuses, latest, revisions


# 1 ───────────────────────────────────────────────────────────────────────────────────────────────
def duplicates(ctx):
    p = ctx.params
    redis = ctx.redis("duplicates")
    host = ctx.host("duplicates", redis.url)
    store = Store([("127.0.0.1", redis.port)])
    ledger = load.Ledger()
    events = ctx.events("dup", p["dup_events"], subscriptions("dup", 8))
    started = time.monotonic()
    load.Pool(ledger, ctx.headers, p["dup_groups"], 3).run(load.copies(events, [host], 3, ledger))
    elapsed = time.monotonic() - started
    check = verify.Check()
    rids = [e.rid for e in events]
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day)
    one_recorded_each(check, ledger, rids)
    check.add("every delivery answered 200", non_2xx(ledger) == 0, f"{non_2xx(ledger)} non-2xx")
    verify.check_summary(check, host, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, [host], store, figures["expected"])
    ctx.save_reports("duplicates", host)
    host.stop()
    notes = (f"{len(events)} events, each posted 3 times at the same instant by 3 threads (barrier), "
             f"{ledger.deliveries()} posts in {elapsed:.1f} s ({ledger.deliveries() / elapsed:.0f}/s)")
    return row(ctx, "1 duplicates ×3 concurrent", figures, check, ledger, notes)


# 2 ───────────────────────────────────────────────────────────────────────────────────────────────
def redis_outage(ctx):
    p = ctx.params
    redis = ctx.redis("outage")
    host = ctx.host("outage", redis.url)
    store = Store([("127.0.0.1", redis.port)])
    ledger = load.Ledger()
    pool = load.Pool(ledger, ctx.headers, p["crash_threads"], 1)
    ledger.set_phase("before")
    thread = in_background(pool, load.until_stopped(ctx.event_maker("out", subscriptions("out", 8)), [host], ledger, pool.stop))
    timeline = []
    time.sleep(p["crash_warm"])
    ends, starts = [], []
    for number, down in enumerate(p["crash_kills"], 1):
        ledger.set_phase(f"redis SIGKILLed #{number}")
        starts.append(time.monotonic())
        redis.kill9()
        timeline.append(f"SIGKILL redis, restarted after {down:g} s")
        time.sleep(down)
        redis.start(wait=False)
        ends.append(time.monotonic())
        ledger.set_phase(f"after restart #{number}")
        time.sleep(p["crash_between"])
    ledger.set_phase("redis SIGSTOPped")
    starts.append(time.monotonic())
    redis.pause()
    timeline.append(f"SIGSTOP redis for {p['crash_stop']:g} s, then SIGCONT")
    time.sleep(p["crash_stop"])
    redis.resume()
    ends.append(time.monotonic())
    ledger.set_phase("after SIGCONT")
    time.sleep(p["crash_after"])
    pool.stop.set()
    thread.join()
    starts.append(None)
    for index in range(len(timeline)):
        timeline[index] += f" ({recovery(ledger, ends[index], starts[index + 1])})"
    check = verify.Check()
    took = wait_drained(ctx, [host], check)
    rids = list(ledger.events)
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day)
    spooled = ledger.outcomes()["200 spooled"]
    check.add("the outage was exercised (some events answered 'spooled')", spooled > 0, f"{spooled} spooled")
    verify.check_summary(check, host, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, [host], store, figures["expected"])
    ctx.save_reports("redis-outage", host)
    replays = sum(1 for line in open(host.log, errors="replace") if '"spool replayed"' in line)
    host.stop()
    notes = ("; ".join(timeline) + f"; spool drained {took:.1f} s after the load stopped ({replays} replay passes logged); "
             "Redis runs with appendonly yes, appendfsync always, noeviction")
    return row(ctx, "2 Redis SIGKILL+restart, SIGSTOP", figures, check, ledger, notes,
               {"timeline": timeline, "spooled": spooled})


# 3 ───────────────────────────────────────────────────────────────────────────────────────────────
def handler_kill(ctx):
    p = ctx.params
    redis = ctx.redis("handler-kill")
    host = ctx.host("handler-kill", redis.url)
    store = Store([("127.0.0.1", redis.port)])
    ledger = load.Ledger()
    pool = load.Pool(ledger, ctx.headers, p["kill_threads"], 1)
    ledger.set_phase("before")
    thread = in_background(pool, load.until_stopped(ctx.event_maker("kill", subscriptions("kill", 8)), [host], ledger, pool.stop))
    time.sleep(p["kill_warm"])
    timeline = []
    for number in range(1, p["kill_count"] + 1):
        ledger.set_phase(f"handler killed #{number}")
        killed = host.kill_handler()
        started = time.monotonic()
        host.wait_ready()
        timeline.append(f"kill -9 chargeback pid {killed}: serving again after {time.monotonic() - started:.2f} s")
        ledger.set_phase(f"after restart #{number}")
        time.sleep(p["kill_between"])
    pool.stop.set()
    thread.join()
    check = verify.Check()
    wait_drained(ctx, [host], check)
    rids = list(ledger.events)
    before = verify.exactly_once(check, ledger, store, rids, ctx.day, label="before re-send")
    unacknowledged = [rid for rid in rids if rid not in ledger.acknowledged([rid])]
    counted_unacked = len(set(unacknowledged) & verify.read_ledger(store, sorted({ledger.events[r].subscription for r in rids}), ctx.day)[0])
    ledger.set_phase("re-send of the unacknowledged")
    load.Pool(ledger, ctx.headers, 4, 1).run(load.singles([ledger.events[r] for r in unacknowledged], [host], ledger))
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day, label="after re-send")
    check.add("after the re-send every event is acknowledged and counted", figures["counted"] == len(rids) == figures["acknowledged"],
              f"{figures['counted']} counted of {len(rids)}")
    resend = collections.Counter(o for rid in unacknowledged for s, o, _, ph, _ in ledger.answers[rid] if ph == "re-send of the unacknowledged")
    check.add("re-sent events that had been counted answered 'duplicate'", resend["duplicate"] == counted_unacked,
              f"{counted_unacked} unacknowledged events were already counted; the re-send answered {dict(resend)}")
    verify.check_summary(check, host, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, [host], store, figures["expected"])
    ctx.save_reports("handler-kill", host)
    host.stop()
    notes = ("; ".join(timeline) + f"; before the re-send: {before['acknowledged']} acknowledged, {before['counted']} counted, "
             f"{len(unacknowledged)} unacknowledged ({counted_unacked} of them counted anyway: script ran, answer lost); "
             f"re-send answers {dict(resend)}")
    return row(ctx, "3 handler kill -9", figures, check, ledger, notes,
               {"timeline": timeline, "before_resend": {k: before[k] for k in ("sent", "acknowledged", "counted", "lost", "double_counted")}})


# 4 ───────────────────────────────────────────────────────────────────────────────────────────────
def scale_out(ctx):
    p = ctx.params
    redis = ctx.redis("scale-out")
    hosts = [ctx.host(f"scale-{i}", redis.url) for i in range(3)]
    store = Store([("127.0.0.1", redis.port)])
    ledger = load.Ledger()
    events = ctx.events("scale", p["scale_events"], subscriptions("scale", 8))
    load.Pool(ledger, ctx.headers, p["scale_groups"], 3).run(load.copies(events, hosts, 3, ledger))
    check = verify.Check()
    rids = [e.rid for e in events]
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day)
    one_recorded_each(check, ledger, rids)
    per_host = collections.Counter(h for answers in ledger.answers.values() for _, _, h, _, _ in answers)
    check.add("every instance took a third of the posts", len(per_host) == 3 and max(per_host.values()) - min(per_host.values()) <= 3,
              str(dict(per_host)))
    verify.check_summary(check, hosts[1], ctx.day, figures["expected"])
    statuses, _, _ = rollup_and_check(ctx, check, hosts, store, figures["expected"], label="3 instances at once")
    first = {k.decode(): int(store.call(k, "GET", k)) for _, k in store.scan_all("cb:v1:{m:*}:snap:*:latest")}
    again = verify.fire_rollups(hosts)
    every_day = {k.decode(): int(store.call(k, "GET", k)) for _, k in store.scan_all("cb:v1:{m:*}:snap:*:latest")}
    check.add("a second concurrent rollup changes no day (no new revision anywhere)", first == every_day and all(s == 202 for s in again),
              f"statuses {again}; latest revision per day {every_day}")
    skipped = sum(1 for h in hosts for line in open(h.log, errors="replace") if "another instance" in line or "another run" in line)
    ctx.save_reports("scale-out", hosts[0])
    for host in hosts:
        host.stop()
    notes = (f"3 functions-host instances (each with its own chargeback child and spool) on one Redis; {len(events)} events "
             f"× 3 copies at once, one copy per instance; rollup fired on the 3 at the same instant twice: "
             f"statuses {statuses} then {again}; {skipped} day-runs logged as skipped (another instance held the day)")
    return row(ctx, "4a scale-out 3 instances", figures, check, ledger, notes)


def migrate_slot(nodes_store, slot, seconds, log):
    """Moves one hash slot to another master by hand (CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE of
    its keys in small batches spread over `seconds`, then SETSLOT NODE everywhere)."""
    nodes_store.refresh()
    source = nodes_store.slots[slot]
    masters = nodes_store.masters()
    target = next(n for n in masters if n != source)
    ids = {}
    for node in masters:
        ids[node] = nodes_store.conn(node)("CLUSTER", "MYID").decode()
    src, dst = nodes_store.conn(source), nodes_store.conn(target)
    dst("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source])
    src("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target])
    moved = 0
    deadline = time.monotonic() + seconds
    while True:
        keys = src("CLUSTER", "GETKEYSINSLOT", slot, 5)
        if not keys:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
            continue
        reply = src("MIGRATE", target[0], target[1], "", 0, 5000, "KEYS", *keys)
        moved += len(keys)
        # Spread the migration over the window so that writes meet a half-moved slot.
        time.sleep(max(0.0, min(0.2, (deadline - time.monotonic()) / 10)))
        if reply not in ("OK", "NOKEY"):
            log(f"MIGRATE answered {reply}")
    for node in [target, source] + [n for n in masters if n not in (source, target)]:
        nodes_store.conn(node)("CLUSTER", "SETSLOT", slot, "NODE", ids[target])
    nodes_store.refresh()
    return source, target, moved


def cluster_migration(ctx):
    p = ctx.params
    if not ctx.cluster_nodes:
        return None
    seed = ctx.cluster_nodes[0]
    store = Store(ctx.cluster_nodes, cluster=True)
    store.refresh()
    hosts = [ctx.host(f"cluster-{i}", f"redis://{seed[0]}:{seed[1]}", extra_env={"REDIS_CLUSTER": "true"}) for i in range(3)]
    ledger = load.Ledger()
    subs = subscriptions("cluster", 8)
    maker = ctx.event_maker("clu", subs)
    pool = load.Pool(ledger, ctx.headers, p["cluster_groups"], 2)

    def work():
        index = 0
        position = 0
        while not pool.stop.is_set():
            event = maker(index)
            ledger.add(event)
            yield [(event, hosts[position % 3]), (event, hosts[(position + 1) % 3])]
            position += 2
            index += 1

    ledger.set_phase("before migration")
    thread = in_background(pool, work())
    time.sleep(p["cluster_warm"])
    migrations = []
    for number in range(p["cluster_slots"]):
        subscription = subs[number % len(subs)]
        slot = key_slot(f"cb:v1:{{s:{subscription}}}")
        ledger.set_phase(f"migrating slot #{number + 1}")
        source, target, moved = migrate_slot(store, slot, p["cluster_migrate_seconds"], ctx.log)
        migrations.append(f"slot {slot} ({subscription}) {source[1]} → {target[1]}: {moved} keys moved over "
                          f"{p['cluster_migrate_seconds']:g} s under load")
        ledger.set_phase(f"after migration #{number + 1}")
        time.sleep(p["cluster_after"] / max(1, p["cluster_slots"]))
    time.sleep(1.0)
    pool.stop.set()
    thread.join()
    check = verify.Check()
    took = wait_drained(ctx, hosts, check)
    rids = list(ledger.events)
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day)
    for host in hosts:
        status, body = host.request("GET", "/api/v1/health")
        check.add(f"health of {host.name} on the cluster is ok after the migration", status == 200 and b'"redis":"ok"' in body,
                  f"{status} {body[:120]!r}")
    verify.check_summary(check, hosts[2], ctx.day, figures["expected"])
    statuses, _, _ = rollup_and_check(ctx, check, hosts, store, figures["expected"], label="cluster, 3 instances at once")
    ctx.save_reports("cluster", hosts[0])
    for host in hosts:
        host.stop()
    outcomes = ledger.outcomes()
    notes = ("3-master Redis Cluster (scripts/lib/redis.sh start_cluster_redis), 3 instances with REDIS_CLUSTER=true, "
             "each event posted twice at once to two instances; " + "; ".join(migrations)
             + f"; answers while slots were half-moved: {dict(sum((collections.Counter(v) for k, v in phase_table(ledger).items() if k.startswith('migrating')), collections.Counter()))}"
             + f"; spool drained {took:.1f} s after the load stopped; "
             f"rollup statuses {statuses}")
    return row(ctx, "4b cluster + slot migration", figures, check, ledger, notes,
               {"migrations": migrations, "spooled": outcomes["200 spooled"]})


# 5 ───────────────────────────────────────────────────────────────────────────────────────────────
def can_mount_tmpfs(ctx):
    probe = ctx.work.root / "tmpfs-probe"
    probe.mkdir(exist_ok=True)
    try:
        result = subprocess.run(["unshare", "-m", "--propagation", "private", "--", "sh", "-c",
                                 'mount -t tmpfs -o size=8k tmpfs "$0"', str(probe)], capture_output=True, timeout=20)
        return result.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def send_until_refused(ctx, ledger, host, maker, limit, refused_streak=5):
    """Posts events one at a time until `refused_streak` 503s in a row (or `limit`)."""
    client = load.Client(ctx.headers)
    streak = 0
    sent = []
    try:
        for index in range(limit):
            event = maker(index)
            ledger.add(event)
            status, outcome = client.post(host, event.body)
            ledger.record(event.rid, status, outcome, host.name)
            sent.append(event.rid)
            streak = streak + 1 if status == 503 else 0
            if streak >= refused_streak:
                break
    finally:
        client.close()
    return sent


def first_message(ctx, host, maker_prefix):
    """One more refused post, to keep the 503's body (code and message) for the report."""
    event = envelopes.make_event(random.Random(1), f"{maker_prefix}-probe", f"rel-{maker_prefix}-probe", ctx.day, ctx.canary)
    status, body = host.request("POST", "/api/v1/ingest", body=event.body,
                                headers={**ctx.headers, "x-functions-key": ctx.keys.ingest, "Content-Type": "application/json"})
    return event, status, body.decode(errors="replace")


def disk(ctx):
    p = ctx.params
    redis = ctx.redis("disk")
    store = Store([("127.0.0.1", redis.port)])
    ledger = load.Ledger()
    check = verify.Check()
    root = os.geteuid() == 0
    # As root, chmod does not stop writes (CAP_DAC_OVERRIDE): the handler runs without it.
    drop = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search", "--"] if root else []
    full = ctx.host("disk-full", redis.url, extra_env={"CHARGEBACK_SPOOL_MAX_BYTES": "4096"}, wrapper=drop)
    hosts = [full]
    prefixes = {}
    enospc = None
    filler = None
    if can_mount_tmpfs(ctx):
        spool = ctx.work.root / "spool-disk-enospc"
        spool.mkdir(exist_ok=True)
        # A 16 KiB file system of the spool's own (private mount namespace), half taken by another file.
        wrapper = ["unshare", "-m", "--propagation", "private", "--", "sh", "-c",
                   'mount -t tmpfs -o size=16k,mode=0700 tmpfs "$0" && exec "$@"', str(spool)]
        enospc = ctx.host("disk-enospc", redis.url, wrapper=wrapper, spool_dir=spool)
        hosts.append(enospc)
        prefixes[enospc.name] = f"/proc/{enospc.process.pid}/root"
        filler = pathlib.Path(prefixes[enospc.name] + str(spool)) / "other-file.bin"
        filler.write_bytes(b"\0" * 8192)
    notes = []
    messages = {}
    subs = {h.name: subscriptions(h.name, 2) for h in hosts}
    makers = {h.name: ctx.event_maker(h.name, subs[h.name]) for h in hosts}
    counters = collections.Counter()

    def maker(host):
        def make(_):
            counters[host.name] += 1
            return makers[host.name](counters[host.name])
        return make

    ledger.set_phase("redis up")
    for host in hosts:
        send_until_refused(ctx, ledger, host, maker(host), p["disk_normal"])
    ledger.set_phase("redis down: spool fills")
    redis.kill9()
    moved_aside = None
    if enospc:
        # The replayer (every second) moves spool.jsonl aside as spool.replaying.jsonl even while Redis
        # is down, and keeps that file until Redis answers; appends then go to a new spool.jsonl. Wait
        # for that, so the ENOSPC below happens in the file that stays the active one.
        send_until_refused(ctx, ledger, enospc, maker(enospc), 1)
        moved_aside = verify.wait_until(lambda: any(n == "spool.replaying.jsonl" for n, _ in enospc.spool_files(prefixes[enospc.name])), 10)
    for host in hosts:
        send_until_refused(ctx, ledger, host, maker(host), p["disk_max_attempts"])
        probe, status, body = first_message(ctx, host, host.name)
        ledger.add(probe)
        ledger.record(probe.rid, status, load.outcome_of(status, body.encode()), host.name)
        messages[host.name] = (status, body)
    status, body = messages[full.name]
    check.add("spool over CHARGEBACK_SPOOL_MAX_BYTES answers 503 spool_full with a reason",
              status == 503 and '"spool_full"' in body and "message" in body, f"{status} {body[:200]}")
    spooled = {h.name: sum(1 for a in ledger.answers.values() for s, o, hn, ph, _ in a if hn == h.name and o == "spooled") for h in hosts}
    check.add("each spool took events before it was full", all(v > 0 for v in spooled.values()), str(spooled))
    freed = None
    if enospc:
        status, body = messages[enospc.name]
        check.add("spool on a full file system (ENOSPC) answers 503 with a reason",
                  status == 503 and '"code"' in body and "message" in body, f"{status} {body[:200]}")
        # Space comes back while Redis is still down (another file on the volume is deleted).
        ledger.set_phase("redis down: space freed on the spool's file system")
        filler.unlink()
        before = len(ledger.events)
        send_until_refused(ctx, ledger, enospc, maker(enospc), 3)
        freed = [r for r in list(ledger.events)[before:]]
    ledger.set_phase("redis back")
    redis.start()
    wait_drained(ctx, hosts, check, prefixes=prefixes)
    rids = list(ledger.events)
    mid = verify.exactly_once(check, ledger, store, rids, ctx.day, label="after the full spools were replayed")
    refused = [r for r in rids if not ledger.acknowledged([r])]
    counted_refused = set(refused) & verify.read_ledger(store, sorted({ledger.events[r].subscription for r in rids}), ctx.day)[0]
    check.add("events answered 503 were not counted (the answer says so)", not counted_refused,
              f"{len(counted_refused)} of {len(refused)} refused events are counted" if counted_refused else f"{len(refused)} refused, none counted")
    if enospc:
        unreadable = [line for line in open(enospc.log, errors="replace") if "spool lines unreadable" in line]
        seen = verify.read_ledger(store, subs[enospc.name], ctx.day)[0]
        freed_answers = {r: [o for _, o, *_ in ledger.answers[r]] for r in freed}
        freed_lost = [r for r in freed if ledger.acknowledged([r]) and r not in seen]
        check.add("events spooled after ENOSPC, once space was freed, are counted after the replay", not freed_lost,
                  f"{len(freed_lost)} of {len(freed)} acknowledged 'spooled' then lost ({freed_answers}); the handler logged "
                  f"'spool lines unreadable' {len(unreadable)} time(s): the write cut short by ENOSPC left a partial line without "
                  "a newline, and the next append was glued to it" if freed_lost else f"answers {freed_answers}")
        notes.append(f"ENOSPC host: the replayer had moved the first spooled event aside while Redis was down: {moved_aside}")
        notes.append(f"ENOSPC host: 'spool lines unreadable' logged {len(unreadable)} time(s) at replay; after space was freed: "
                     f"{len(freed_lost)} of {len(freed)} acknowledged events lost")
        spool_view = pathlib.Path(prefixes[enospc.name] + str(enospc.spool_dir))
        for entry in spool_view.iterdir():
            shutil.copy(entry, ctx.work.root / f"spool-copy-enospc-{entry.name}")

    # Read-only spool folder (chmod 500) while Redis is down.
    ledger.set_phase("redis down: spool folder chmod 500")
    leftover = [name for name, size in full.spool_files() if size > 0]
    os.chmod(full.spool_dir, 0o500)
    redis.kill9()
    send_until_refused(ctx, ledger, full, maker(full), 20, refused_streak=5)
    probe, status, body = first_message(ctx, full, full.name + "-ro")
    ledger.add(probe)
    ledger.record(probe.rid, status, load.outcome_of(status, body.encode()), full.name)
    check.add("read-only spool folder answers 503 spool_unavailable with a reason",
              status == 503 and '"spool_unavailable"' in body and "message" in body,
              f"{status} {body[:200]} (files already in the folder: {leftover})")
    os.chmod(full.spool_dir, 0o700)
    ledger.set_phase("recovered: re-send of every refused event")
    redis.start()
    time.sleep(0.5)
    unacknowledged = [r for r in ledger.events if not ledger.acknowledged([r])]
    by_host = collections.defaultdict(list)
    for rid, answers in ledger.answers.items():
        if rid in unacknowledged:
            by_host[answers[0][2]].append(ledger.events[rid])
    for host in hosts:
        load.Pool(ledger, ctx.headers, 2, 1).run(load.singles(by_host.get(host.name, []), [host], ledger))
    wait_drained(ctx, hosts, check, prefixes=prefixes)
    rids = list(ledger.events)
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day, label="after recovery and re-send")
    check.add("after the re-send every event is counted", figures["counted"] == len(rids), f"{figures['counted']} of {len(rids)}")
    verify.check_summary(check, full, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, hosts, store, figures["expected"])
    ctx.save_reports("disk", full)
    for host in hosts:
        host.stop()
    notes.insert(0, f"spool bound 4096 B: {spooled.get(full.name)} events spooled then 503; "
                 + (f"16 KiB tmpfs with an 8 KiB file on it: {spooled.get('disk-enospc')} spooled then 503, then the 8 KiB file "
                    f"deleted and {len(freed)} more events sent; " if enospc else "tmpfs not mountable here: ENOSPC not tested; ")
                 + f"before the re-send {mid['acknowledged']} acknowledged / {mid['counted']} counted; "
                 + f"{'handler ran without CAP_DAC_OVERRIDE (root) so chmod 500 applies' if root else 'not root: chmod 500 applies'}")
    return row(ctx, "5 spool full / ENOSPC / read-only", figures, check, ledger, "; ".join(notes),
               {"refusals": {k: v[1][:300] for k, v in messages.items()}})


# 6 ───────────────────────────────────────────────────────────────────────────────────────────────
def answered_envelope(ctx, rid, subscription, text):
    """A 200 chat envelope carrying `text` as its responseBody (application/json), without a requestBody."""
    envelope = {"schemaVersion": 1, "source": "outbound", "requestId": rid, "timestamp": ctx.day + "T10:00:00Z",
                "subscriptionId": subscription, "statusCode": 200, "path": "/openai/deployments/gpt-4o/chat/completions",
                "deployment": "gpt-4o", "responseContentType": "application/json", "responseBody": text,
                "responseBodyLength": len(text.encode())}
    return json.dumps(envelope).encode()


def deep_response(ctx):
    """A response nested 5,000 deep (the canary at the bottom) with its usage beside: the client got that
    answer, so it is billed from the usage it reports; the deep member is skipped, never kept."""
    text = ('{"x":' + "[" * 5000 + '"' + ctx.canary.values["refused-envelope"] + '"' + "]" * 5000
            + ',"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}')
    expected = {"requests": 1, "inputTokens": 10, "cachedInputTokens": 0, "outputTokens": 5, "errors": 0}
    return envelopes.Event("sec-deep-body", "rel-security-deep", "gpt-4o", ctx.day,
                           answered_envelope(ctx, "sec-deep-body", "rel-security-deep", text), expected)


def unreadable_response(ctx):
    """A response that is not JSON although it says so (the canary inside): recorded once, estimated and
    flagged response_unreadable. No requestBody, so no input; the output is ⌈responseBodyLength ÷ 4⌉."""
    text = '{"choices":[{"message":{"content":"' + ctx.canary.values["refused-envelope"] + '"}}],"usage":{"prompt_tokens":'
    expected = {"requests": 1, "inputTokens": 0, "cachedInputTokens": 0, "outputTokens": (len(text.encode()) + 3) // 4, "errors": 0}
    return envelopes.Event("sec-unreadable-body", "rel-security-unreadable", "gpt-4o", ctx.day,
                           answered_envelope(ctx, "sec-unreadable-body", "rel-security-unreadable", text), expected)


def uncaptured_response(ctx):
    """A 200 whose body APIM did not capture (responseBody null, 6,000,000 bytes, no tail, no request
    body): billed, never 0. Without max_tokens the output is estimated as ⌈responseBodyLength ÷ 4⌉ and
    flagged output_estimated_from_length."""
    envelope = json.loads(answered_envelope(ctx, "sec-uncaptured", "rel-security-uncaptured", ""))
    envelope.update({"responseBody": None, "responseBodyLength": 6_000_000})
    expected = {"requests": 1, "inputTokens": 0, "cachedInputTokens": 0, "outputTokens": 1_500_000, "errors": 0}
    return envelopes.Event("sec-uncaptured", "rel-security-uncaptured", "gpt-4o", ctx.day, json.dumps(envelope).encode(), expected)


def fixture(ctx, name):
    """An OpenAI answer from the tests' fixtures (Tests/TestSupport/Fixtures/openai/), as text."""
    return (ctx.app_root / "Tests/TestSupport/Fixtures/openai" / name).read_text()


def responses_envelope(ctx, rid, subscription, method, path, request, response, deployment):
    """A Responses API call as the policy reports it: `method` on `path`, the answer `response` (text)."""
    envelope = {"schemaVersion": 1, "source": "outbound", "requestId": rid, "timestamp": ctx.day + "T11:00:00Z",
                "subscriptionId": subscription, "method": method, "path": path, "apiVersion": "preview", "deployment": deployment,
                "statusCode": 200, "isStream": False, "responseContentType": "application/json",
                "requestBody": request, "requestBodyLength": len(request.encode()) if request is not None else None,
                "responseBody": response, "responseBodyLength": len(response.encode())}
    return json.dumps(envelope).encode()


def deep_tool_schema(ctx):
    """A synchronous Responses answer echoing a tool whose parameters nest 90 levels (over the scanner's
    depth), with its usage after: recorded from that usage, not refused."""
    schema = '{"type":"object","properties":{"a":' * 90 + "{}" + "}}" * 90
    answer = ('{"id":"resp_' + secrets.token_hex(16) + '","object":"response","status":"completed","model":"gpt-4o-2024-11-20",'
              '"tools":[{"type":"function","name":"lookup","parameters":' + schema + '}],'
              '"usage":{"input_tokens":100,"output_tokens":50,"total_tokens":150}}')
    request = '{"model":"gpt-4o","input":"hello","tools":[{"type":"function","name":"lookup","parameters":' + schema + "}]}"
    return responses_envelope(ctx, "sec-deep-tool-schema", "rel-security-schema", "POST", "/openai/v1/responses", request, answer, "gpt-4o")


def shared_response(ctx):
    """A background response created by one subscription (answered `queued`) and its completed result
    fetched by another, then by both again: [(probe name, envelope, expected ingest status)]. The
    result is billed once, to the creator."""
    object_id = "resp_" + secrets.token_hex(20)
    queued = fixture(ctx, "responses-background-queued.json").replace("resp_6924b4aa00c08190ffeeddccbbaa9988", object_id)
    completed = fixture(ctx, "responses.json").replace("resp_6924b3c1d2e48190a1b2c3d4e5f60718", object_id)
    create = responses_envelope(ctx, "sec-object-create", SHARED_CREATOR, "POST", "/openai/v1/responses",
                                '{"model":"o4-mini","input":"hello","background":true}', queued, "o4-mini")
    path = "/openai/v1/responses/" + object_id

    def poll(rid, subscription):
        return responses_envelope(ctx, rid, subscription, "GET", path, None, completed, None)
    return [("Responses: created (background, queued) by its creator", create, "recorded"),
            ("Responses: completed result fetched by a second subscription first", poll("sec-object-poll-1", SHARED_FETCHER), "recorded"),
            ("Responses: fetched again by the second subscription", poll("sec-object-poll-2", SHARED_FETCHER), "duplicate"),
            ("Responses: fetched by its creator", poll("sec-object-poll-3", SHARED_CREATOR), "duplicate")]


SHARED_CREATOR, SHARED_FETCHER = "rel-security-creator", "rel-security-fetcher"
# The completed result's usage (responses.json): 3,120 input of which 2,048 cached, 742 output.
SHARED_OUTPUT_TOKENS = 742


def hostile_bodies(ctx):
    """(name, body bytes, expected status, expected error code or ingest status, ledger event or None) for
    hostile envelopes: each is refused, except a hostile or unreadable response, which the client got and is billed."""
    canary = ctx.canary.values["refused-envelope"]
    base = envelopes.make_event(random.Random(7), "sec-base", "rel-security-00", ctx.day, ctx.canary).body
    bodies = []
    oversized = base[:-1] + b', "padding": "' + (canary.encode() * (16 * 1024 * 1024 // len(canary) + 2)) + b'"}'
    bodies.append(("oversized envelope (> 16 MiB)", oversized, 413, "envelope_too_large", None))
    deep = base[:-1] + b', "' + canary.encode() + b'": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    bodies.append(("envelope nested 100,000 deep", deep, 400, "too_deep", None))
    bodies.append(("envelope nested 65 deep", base[:-1] + b', "x": ' + b"[" * 65 + b"]" * 65 + b"}", 400, "too_deep", None))
    deep_body = deep_response(ctx)
    bodies.append(("response body nested 5,000 deep (recorded once, its usage)", deep_body.body, 200, "recorded", deep_body))
    unreadable = unreadable_response(ctx)
    bodies.append(("response body that is not JSON (recorded once, estimated)", unreadable.body, 200, "recorded", unreadable))
    for name, bad in [("invalid UTF-8 byte 0xFF", b"\xff"), ("overlong UTF-8 (0xC0 0xAF)", b"\xc0\xaf"),
                      ("UTF-16 surrogate in UTF-8 (0xED 0xA0 0x80)", b"\xed\xa0\x80"), ("truncated UTF-8 sequence", b"\xe2\x82")]:
        body = base.replace(b'"Reliability ', b'"Reliability ' + canary.encode() + bad, 1)
        bodies.append((name + " in a string", body, 400, "invalid_utf8", None))
    bodies.append(("invalid UTF-8 at the very end", base[:-1] + b', "' + canary.encode() + b'": "\xf0\x9f"}', 400, "invalid_utf8", None))
    bodies.append(("not JSON at all", canary.encode() + b" {", 400, "invalid_json", None))
    bodies.append(("duplicate subscriptionId", base[:-1] + b', "subscriptionId": "' + canary.encode() + b'"}', 400, "duplicate_field", None))
    return bodies


SCOPED_CENTER, OTHER_CENTER = "CC-SEC-1", "CC-SEC-2"


def security_configuration(ctx, scoped_key, mine, theirs):
    """The repository's cost-center and budget files plus two cost centers of this scenario: SCOPED_CENTER
    (the scoped report key's, by its SHA-256) and OTHER_CENTER, each with its subscriptions and a budget."""
    centers = json.loads((ctx.app_root / "config/cost-centers.json").read_text())
    centers["costCenters"] += [{"id": SCOPED_CENTER, "name": "Security scope", "reportKeySha256": [Keys.sha256(scoped_key)]},
                               {"id": OTHER_CENTER, "name": "Security other"}]
    centers["subscriptions"].update({s: SCOPED_CENTER for s in mine})
    centers["subscriptions"].update({s: OTHER_CENTER for s in theirs})
    budgets = json.loads((ctx.app_root / "config/budgets.json").read_text())
    budgets["budgets"] += [{"id": "security-scope", "scope": "costCenter", "target": SCOPED_CENTER, "monthlyAmount": "1000.00",
                            "channels": ["finops-webhook"]},
                           {"id": "security-other", "scope": "costCenter", "target": OTHER_CENTER, "monthlyAmount": "1000.00",
                            "channels": ["finops-webhook"]}]
    paths = (ctx.work.root / "security-cost-centers.json", ctx.work.root / "security-budgets.json")
    paths[0].write_text(json.dumps(centers, indent=1))
    paths[1].write_text(json.dumps(budgets, indent=1))
    return paths


def security(ctx):
    """Scenario 6: 401/4xx probes and key attacks while the load generator runs. Returns (check, probes,
    figures, ledger); main.py adds the canary scan."""
    keys = ctx.keys
    scoped_key = keys.cost_center
    mine, theirs = subscriptions("security-cc1", 3), subscriptions("security-cc2", 3)
    centers, budgets = security_configuration(ctx, scoped_key, mine, theirs)
    redis = ctx.redis("security")
    host = ctx.host("security", redis.url, extra_env={"CHARGEBACK_COST_CENTERS": str(centers), "CHARGEBACK_BUDGETS": str(budgets)},
                    named_keys={"cost-center-sec-1": scoped_key, "apim-ingest": keys.ingest})
    store = Store([("127.0.0.1", redis.port)])
    check = verify.Check()
    ledger = load.Ledger()
    probes = []
    # What only a reader of OTHER_CENTER may see: its id, its subscriptions, its budget.
    foreign = [OTHER_CENTER.encode(), b"rel-security-cc2-", b"security-other"]

    def probe(name, method, path, headers, body=None, want=(), event=None, private=False, shows=None, billed=False):
        """One request; `want` lists the acceptable (status, error code or ingest status; None = any).
        `event`: an envelope of the sender's ledger; `billed`: an envelope checked on its own (objects
        billed by their id). `private`: the answer must show nothing of OTHER_CENTER; `shows`: bytes
        the answer must hold."""
        lines = list(headers.items()) if isinstance(headers, dict) else list(headers)
        status, data = host.request_lines(method, path, lines, body=body, timeout=120)
        code, message = None, None
        try:
            parsed = json.loads(data)
            if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
                code, message = parsed["error"].get("code"), parsed["error"].get("message")
            elif isinstance(parsed, dict) and (event is not None or billed):
                code = parsed.get("status")
        except (ValueError, UnicodeDecodeError):
            pass
        if event is not None:
            ledger.record(event.rid, status, load.outcome_of(status, data), host.name)
        leaked = [needle.decode() for needle in foreign if private and needle in data]
        missing = shows is not None and shows not in data
        ok = (any(status == s and (c is None or code == c) for s, c in want) and (status < 400 or bool(message))
              and not leaked and not missing)
        probes.append({"probe": name, "status": status, "code": code, "message": (message or "")[:200], "ok": bool(ok),
                       "kind": "ingest" if path.startswith("/api/v1/ingest") else method, "ledger": event is not None, "billed": billed,
                       "expected": [list(w) for w in want]})
        wanted = " or ".join(f"{s}{' ' + c if c else ''}" for s, c in want)
        check.add(f"{name} → {wanted}" + (f" showing {shows.decode()}" if shows else "") + (f", nothing of {OTHER_CENTER}" if private else ""),
                  ok, f"{status} {code or ''}" + (f": {message[:160]}" if message else "") + (f"; LEAKED {leaked}" if leaked else "")
                  + (f"; {shows.decode()} missing" if missing else ""))
        return status, code

    ingest_key, report_key = {"x-functions-key": keys.ingest}, {"x-functions-key": keys.report}
    wrong = {"x-functions-key": "not-" + keys.ingest}
    unauthorized, forbidden = [(401, "unauthorized")], [(403, "forbidden")]
    # A second key value is refused by the host (401 unauthorized) or, when the host accepted the first, by the handler.
    ambiguous = [(401, "ambiguous_key"), (401, "unauthorized")]
    json_type = {"Content-Type": "application/json"}

    ledger.set_phase("load with probes")
    pool = load.Pool(ledger, ctx.headers, 4, 1)
    thread = in_background(pool, load.until_stopped(ctx.event_maker("sec", mine + theirs), [host], ledger, pool.stop))
    try:
        verify.wait_until(lambda: len(ledger.acknowledged()) >= 60, 20, interval=0.1)
        body = envelopes.make_event(random.Random(3), "sec-nokey", "rel-security-00", ctx.day, ctx.canary).body
        probe("ingest without a key", "POST", "/api/v1/ingest", json_type, body, unauthorized)
        probe("ingest with a wrong key", "POST", "/api/v1/ingest", {**wrong, **json_type}, body, unauthorized)
        probe("ingest with the key in ?code= of another value", "POST", "/api/v1/ingest?code=nope", json_type, body, unauthorized)
        for name, key in [("the host's default key", keys.default), ("the master key", keys.master),
                          ("the full-access report key", keys.report), ("a cost-center report key", scoped_key)]:
            probe(f"ingest with {name}", "POST", "/api/v1/ingest", {"x-functions-key": key, **json_type}, body, forbidden)
        probe("ingest with the ingest key twice (header and ?code=)", "POST", f"/api/v1/ingest?code={keys.ingest}",
              {**ingest_key, **json_type}, body, ambiguous)
        for name, path in [("chargeback report", f"/api/v1/chargeback/report?from={ctx.day}&to={ctx.day}&format=csv"),
                           ("usage summary", f"/api/v1/usage/summary?from={ctx.day}&to={ctx.day}"),
                           ("budget status", "/api/v1/budget/status?costCenter=unassigned")]:
            probe(f"{name} without a key", "GET", path, {}, None, unauthorized)
            probe(f"{name} with a wrong key", "GET", path, wrong, None, unauthorized)
        # A cost-center key of SCOPED_CENTER in every shape that could make the host and the handler read different keys.
        reports = [("usage summary", f"/api/v1/usage/summary?from={ctx.day}&to={ctx.day}&groupBy=costCenter"),
                   ("chargeback report", f"/api/v1/chargeback/report?from={ctx.day}&to={ctx.day}&format=json"),
                   ("budget status", f"/api/v1/budget/status?costCenter={OTHER_CENTER}")]
        for name, path in reports:
            smuggled = [
                ("repeated ?code= with junk", f"{path}&code={scoped_key}&code=x", {}),
                ("the same key twice in ?code=", f"{path}&code={scoped_key}&code={scoped_key}", {}),
                ("header and ?code= disagree", f"{path}&code={keys.report}", {"x-functions-key": scoped_key}),
                ("header and ?code= disagree the other way", f"{path}&code={scoped_key}", report_key),
            ]
            for shape, target, headers in smuggled:
                probe(f"{name}, cost-center key: {shape}", "GET", target, headers, None, ambiguous, private=True)
            probe(f"{name}, cost-center key: repeated x-functions-key header", "GET", path,
                  [("x-functions-key", scoped_key), ("x-functions-key", "x")], None, ambiguous, private=True)
            probe(f"{name}, cost-center key: a comma in the value", "GET", path, {"x-functions-key": scoped_key + ",x"}, None,
                  ambiguous, private=True)
            probe(f"{name} with the master key", "GET", path, {"x-functions-key": keys.master}, None, forbidden, private=True)
            probe(f"{name} with the host's default key", "GET", path, {"x-functions-key": keys.default}, None, forbidden, private=True)
            # This host also holds the ingest key as a host key, as Terraform registers it for APIM (`apim-ingest`),
            # so it lets the key through to every function: the refusal is the handler's own role check.
            probe(f"{name} with the ingest key", "GET", path, ingest_key, None, forbidden, private=True)
        for name, key in [("the ingest key", keys.ingest), ("a cost-center report key", scoped_key), ("the master key", keys.master),
                          ("the host's default key", keys.default)]:
            probe(f"metrics with {name}", "GET", "/api/v1/metrics", {"x-functions-key": key}, None, forbidden, private=True)
        probe("admin rollup with the ingest key", "POST", "/admin/functions/rollup", ingest_key, None, unauthorized)
        probe("admin rollup with the report key", "POST", "/admin/functions/rollup", report_key, None, unauthorized)
        probe("health without a key (anonymous)", "GET", "/api/v1/health", {}, None, [(200, None)])
        # Controls: the cost-center key reads its own cost center only; the full-access key sees OTHER_CENTER
        # (so the search for its data above would have found it).
        for name, path in reports:
            own = path.replace(f"costCenter={OTHER_CENTER}", f"costCenter={SCOPED_CENTER}")
            probe(f"{name} with the cost-center key alone (control)", "GET", own, {"x-functions-key": scoped_key}, None,
                  [(200, None)], private=True, shows=SCOPED_CENTER.encode())
            status, data = host.request("GET", path, headers=report_key, timeout=60)
            check.add(f"{name} with the full-access report key shows {OTHER_CENTER} (control for the search)",
                      status == 200 and foreign[0] in data, f"{status}, {len(data)} bytes")
        for name, data, status, code, event in hostile_bodies(ctx):
            if event is not None:
                ledger.add(event)
            probe(name, "POST", "/api/v1/ingest", {**ingest_key, **ctx.headers, **json_type}, data, [(status, code)], event=event)
        # Billing dodges: an answer too large to capture, an answer too deep to scan, a result fetched elsewhere.
        uncaptured = uncaptured_response(ctx)
        ledger.add(uncaptured)
        probe("uncaptured 200 (responseBody null, responseBodyLength 6,000,000): billed from the length", "POST", "/api/v1/ingest",
              {**ingest_key, **json_type}, uncaptured.body, [(200, "recorded")], event=uncaptured)
        probe("Responses answer echoing a 90-level tool schema: recorded from its usage", "POST", "/api/v1/ingest",
              {**ingest_key, **json_type}, deep_tool_schema(ctx), [(200, "recorded")], billed=True)
        for name, data, outcome in shared_response(ctx):
            probe(name, "POST", "/api/v1/ingest", {**ingest_key, **json_type}, data, [(200, outcome)], billed=True)
    finally:
        pool.stop.set()
        thread.join()
    wait_drained(ctx, [host], check)
    rids = list(ledger.events)
    figures = verify.exactly_once(check, ledger, store, rids, ctx.day)
    unreadable = unreadable_response(ctx)
    tag = f"cb:v1:{{s:{unreadable.subscription}}}"
    fields = collections.Counter()
    for key in store.conn(store.node_for(tag)).scan_keys(f"{tag}:h:{ctx.day}T*"):
        flat = store.call(key, "HGETALL", key)
        fields.update({f.decode(): int(v) for f, v in zip(flat[0::2], flat[1::2])})
    check.add("the unreadable response was counted once, as estimated", fields["gpt-4o|requests"] == 1 and fields["gpt-4o|usage:estimated"] == 1,
              f"counters {dict(fields)}")
    check.add("the uncaptured 200 was billed output tokens (never 0)", figures["counters"][("rel-security-uncaptured", "gpt-4o", "outputTokens")] > 0,
              f"outputTokens {figures['counters'][('rel-security-uncaptured', 'gpt-4o', 'outputTokens')]}")
    billed_alone = ["rel-security-schema", SHARED_CREATOR, SHARED_FETCHER]
    verify.check_summary(check, host, ctx.day, figures["expected"], ignore=billed_alone)
    _, schema = verify.read_ledger(store, ["rel-security-schema"], ctx.day)
    totals = verify.per_subscription(schema)["rel-security-schema"]
    check.add("the 90-level tool schema answer counted once from its usage (100 in, 50 out)",
              (totals["requests"], totals["inputTokens"], totals["outputTokens"]) == (1, 100, 50), f"counters {dict(totals)}")
    _, shared = verify.read_ledger(store, [SHARED_CREATOR, SHARED_FETCHER], ctx.day)
    shared = verify.per_subscription(shared)
    status, summary = verify.usage_summary(host, ctx.day)
    creator, fetcher = (summary or {}).get(SHARED_CREATOR, {}), (summary or {}).get(SHARED_FETCHER)
    check.add("the Responses result fetched by a second subscription is billed once, to its creator (Redis and usage summary)",
              shared[SHARED_CREATOR]["outputTokens"] == SHARED_OUTPUT_TOKENS and not shared[SHARED_FETCHER]
              and creator.get("outputTokens") == SHARED_OUTPUT_TOKENS and fetcher is None,
              f"Redis: creator {dict(shared[SHARED_CREATOR])}, fetcher {dict(shared[SHARED_FETCHER])}; "
              f"usage summary ({status}): creator {creator}, fetcher {fetcher}")
    seen, counters = verify.read_ledger(store, ["rel-security-00"], ctx.day)
    check.add("nothing refused was counted", not seen and not counters, f"markers {sorted(seen)[:3]}, counters {dict(counters)}")
    refused = [p for p in probes if p["kind"] == "ingest" and not p["ledger"] and not p["billed"]]
    accepted = [p for p in refused if 200 <= p["status"] < 300]
    check.add("no refused or unauthorised ingest post was acknowledged", not accepted,
              f"{len(accepted)} of {len(refused)} answered 2xx: {[p['probe'] for p in accepted][:5]}")
    ctx.save_reports("security", host)
    host.stop()
    load_events = len(ledger.events) - sum(1 for p in probes if p["ledger"])
    # Every ingest post: the ledger's, the refused ones, and those billed by object id (checked on their own above).
    posts = ledger.deliveries() + len(refused) + sum(1 for p in probes if p["billed"])
    figures.update({"sent": figures["sent"] + len(refused), "acknowledged": figures["acknowledged"] + len(accepted),
                    "counted": figures["counted"] + len(seen), "probes": len(probes), "posts": posts,
                    "requests": posts + sum(1 for p in probes if p["kind"] != "ingest"),
                    "non_2xx": sum(1 for p in probes if not p["ledger"] and not 200 <= p["status"] < 300) + non_2xx(ledger),
                    "load_events": load_events})
    return check, probes, figures, ledger


def scan_for_canary(ctx, extra_paths):
    """Every key and value of every Redis (SCAN + TYPE + the type's contents), every file under the work
    folder (host and handler logs, spools, AOF files, fetched reports, the sender's ledger) and `extra_paths`."""
    needles = ctx.canary.needles()
    findings = []
    stats = collections.Counter()
    stores = [("redis " + s.name, Store([("127.0.0.1", s.port)])) for s in ctx.redis_servers if s.process.poll() is None]
    if ctx.cluster_nodes:
        stores.append(("redis cluster", Store(ctx.cluster_nodes, cluster=True)))

    def look(where, data):
        lowered = data.lower()
        for form, needle in needles.items():
            if needle in data or (form == "plain" and needle in lowered):
                findings.append(f"{where} ({form})")
                return

    # Positive control: the search must find each planted value, in the forms it looks for.
    for place, value in ctx.canary.values.items():
        before = len(findings)
        look("control", b"..." + value.encode() + b"...")
        look("control", base64.b64encode(b"key: " + value.encode()))
        if len(findings) != before + 2:
            raise RuntimeError(f"the canary search does not find the planted value of {place}")
        del findings[before:]
    for label, store in stores:
        for node, key in store.scan_all("*"):
            connection = store.conn(node)
            stats["redis keys"] += 1
            look(f"{label} key {key[:80]!r}", key)
            kind = connection("TYPE", key)
            if kind == "string":
                values = [connection("GET", key) or b""]
            elif kind == "hash":
                values = connection("HGETALL", key)
            elif kind == "set":
                values = connection("SMEMBERS", key)
            elif kind == "list":
                values = connection("LRANGE", key, 0, -1)
            elif kind == "zset":
                values = connection("ZRANGE", key, 0, -1, "WITHSCORES")
            elif kind == "stream":
                values = [repr(connection("XRANGE", key, "-", "+")).encode()]
            else:
                values = [repr(kind).encode()]
            stats[f"redis {kind} values"] += 1
            for value in values:
                look(f"{label} value of {key[:80]!r}", value if isinstance(value, bytes) else str(value).encode())
        store.close()
    for base in [ctx.work.root] + list(extra_paths):
        base = pathlib.Path(base)
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []
        for path in paths:
            if path.name == "pids":
                continue
            try:
                data = path.read_bytes()
            except OSError as error:
                findings.append(f"unreadable {path}: {error}")
                continue
            stats["files"] += 1
            stats["file bytes"] += len(data)
            look(f"file {path}", data)
    return findings, dict(stats)
