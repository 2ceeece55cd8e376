"""Scenario 1: each event posted 3 times at once; each is counted once."""
import time

import load
import verify
from common import subscriptions, non_2xx, row, one_recorded_each, rollup_and_check


def duplicates(ctx):
    p = ctx.params
    redis = ctx.redis("duplicates")
    host = ctx.host("duplicates", redis.url)
    view = ctx.view(redis.url)
    ledger = load.Ledger()
    events = ctx.events("dup", p["dup_events"], subscriptions("dup", 8))
    started = time.monotonic()
    load.Pool(ledger, ctx.headers, p["dup_groups"], 3).run(load.copies(events, [host], 3, ledger))
    elapsed = time.monotonic() - started
    check = verify.Check()
    rids = [e.rid for e in events]
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day)
    one_recorded_each(check, ledger, rids)
    check.add("every delivery answered 200", non_2xx(ledger) == 0, f"{non_2xx(ledger)} non-2xx")
    verify.check_summary(check, host, ctx.day, figures["expected"])
    rollup_and_check(ctx, check, [host], view, figures["expected"])
    ctx.save_reports("duplicates", host)
    host.stop()
    notes = (f"{len(events)} events, each posted 3 times at the same instant (ingest-load sends the copies together), "
             f"{ledger.deliveries()} posts in {elapsed:.1f} s ({ledger.deliveries() / elapsed:.0f}/s)")
    return row(ctx, "1 duplicates ×3 concurrent", figures, check, ledger, notes)
