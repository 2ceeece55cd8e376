"""Scenario 5: a full, read-only or vanished spool while Redis is down."""
import collections
import os
import random
import pathlib
import shutil
import subprocess
import time

import envelopes
import load
import verify
from common import subscriptions, wait_drained, row, rollup_and_check


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
    headers = {**ctx.headers, "x-functions-key": host.ingest_key, "Content-Type": "application/json"}
    streak = 0
    sent = []
    for index in range(limit):
        event = maker(index)
        ledger.add(event)
        try:
            status, body = host.request("POST", "/api/v1/ingest", body=event.body, headers=headers)
            outcome = load.outcome_of(status, body)
        except OSError as error:
            status, outcome = 0, "no_answer:" + type(error).__name__
        ledger.record(event.rid, status, outcome, host.name)
        sent.append(event.rid)
        streak = streak + 1 if status == 503 else 0
        if streak >= refused_streak:
            break
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
    view = ctx.view(redis.url)
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
    mid = verify.exactly_once(check, ledger, view, rids, ctx.day, label="after the full spools were replayed")
    refused = [r for r in rids if not ledger.acknowledged([r])]
    counted_refused = set(refused) & verify.read_ledger(view, sorted({ledger.events[r].subscription for r in rids}), ctx.day)[0]
    check.add("events answered 503 were not counted (the answer says so)", not counted_refused,
              f"{len(counted_refused)} of {len(refused)} refused events are counted" if counted_refused else f"{len(refused)} refused, none counted")
    if enospc:
        unreadable = [line for line in open(enospc.log, errors="replace") if "spool lines unreadable" in line]
        seen = verify.read_ledger(view, subs[enospc.name], ctx.day)[0]
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
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day, label="after recovery and re-send")
    check.add("after the re-send every event is counted", figures["counted"] == len(rids), f"{figures['counted']} of {len(rids)}")
    verify.check_summary(check, full, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, hosts, view, figures["expected"])
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
