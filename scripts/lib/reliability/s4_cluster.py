"""Scenario 4b: a Redis Cluster whose slots migrate under load."""
import collections
import time

import load
import verify
from resp import Store
from common import subscriptions, wait_drained, in_background, phase_table, row, rollup_and_check


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
    nodes = Store(ctx.cluster_nodes, cluster=True)
    nodes.refresh()
    view = ctx.view(f"redis://{seed[0]}:{seed[1]}", cluster=True)
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
        slot = view.slot(subscription, ctx.day)
        ledger.set_phase(f"migrating slot #{number + 1}")
        source, target, moved = migrate_slot(nodes, slot, p["cluster_migrate_seconds"], ctx.log)
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
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day)
    for host in hosts:
        status, body = host.request("GET", "/api/v1/health")
        check.add(f"health of {host.name} on the cluster is ok after the migration", status == 200 and b'"redis":"ok"' in body,
                  f"{status} {body[:120]!r}")
    verify.check_summary(check, hosts[2], ctx.day, figures["expected"])
    statuses, _, _ = rollup_and_check(ctx, check, hosts, view, figures["expected"], label="cluster, 3 instances at once")
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
