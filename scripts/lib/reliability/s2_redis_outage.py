"""Scenario 2: Redis killed and paused under load; acknowledged events survive through the spool."""
import time

import load
import verify
from common import subscriptions, wait_drained, in_background, row, recovery, rollup_and_check


def redis_outage(ctx):
    p = ctx.params
    redis = ctx.redis("outage")
    host = ctx.host("outage", redis.url)
    view = ctx.view(redis.url)
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
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day)
    spooled = ledger.outcomes()["200 spooled"]
    check.add("the outage was exercised (some events answered 'spooled')", spooled > 0, f"{spooled} spooled")
    verify.check_summary(check, host, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, [host], view, figures["expected"])
    ctx.save_reports("redis-outage", host)
    replays = sum(1 for line in open(host.log, errors="replace") if '"spool replayed"' in line)
    host.stop()
    notes = ("; ".join(timeline) + f"; spool drained {took:.1f} s after the load stopped ({replays} replay passes logged); "
             "Redis runs with appendonly yes, appendfsync always, noeviction")
    return row(ctx, "2 Redis SIGKILL+restart, SIGSTOP", figures, check, ledger, notes,
               {"timeline": timeline, "spooled": spooled})
