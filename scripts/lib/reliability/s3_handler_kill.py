"""Scenario 3: the handler killed -9 under load; the client re-sends what was not acknowledged."""
import collections
import time

import load
import verify
from common import subscriptions, wait_drained, in_background, row, rollup_and_check


def handler_kill(ctx):
    p = ctx.params
    redis = ctx.redis("handler-kill")
    host = ctx.host("handler-kill", redis.url)
    view = ctx.view(redis.url)
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
    before = verify.exactly_once(check, ledger, view, rids, ctx.day, label="before re-send")
    unacknowledged = [rid for rid in rids if rid not in ledger.acknowledged([rid])]
    counted_unacked = len(set(unacknowledged) & verify.read_ledger(view, sorted({ledger.events[r].subscription for r in rids}), ctx.day)[0])
    ledger.set_phase("re-send of the unacknowledged")
    load.Pool(ledger, ctx.headers, 4, 1).run(load.singles([ledger.events[r] for r in unacknowledged], [host], ledger))
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day, label="after re-send")
    check.add("after the re-send every event is acknowledged and counted", figures["counted"] == len(rids) == figures["acknowledged"],
              f"{figures['counted']} counted of {len(rids)}")
    resend = collections.Counter(o for rid in unacknowledged for s, o, _, ph, _ in ledger.answers[rid] if ph == "re-send of the unacknowledged")
    check.add("re-sent events that had been counted answered 'duplicate'", resend["duplicate"] == counted_unacked,
              f"{counted_unacked} unacknowledged events were already counted; the re-send answered {dict(resend)}")
    verify.check_summary(check, host, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, [host], view, figures["expected"])
    ctx.save_reports("handler-kill", host)
    host.stop()
    notes = ("; ".join(timeline) + f"; before the re-send: {before['acknowledged']} acknowledged, {before['counted']} counted, "
             f"{len(unacknowledged)} unacknowledged ({counted_unacked} of them counted anyway: script ran, answer lost); "
             f"re-send answers {dict(resend)}")
    return row(ctx, "3 handler kill -9", figures, check, ledger, notes,
               {"timeline": timeline, "before_resend": {k: before[k] for k in ("sent", "acknowledged", "counted", "lost", "double_counted")}})
