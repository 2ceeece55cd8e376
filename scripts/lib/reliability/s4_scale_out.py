"""Scenario 4a: 3 instances on one Redis, each event posted once to each, rollups fired at once."""
import collections
import datetime

import load
import verify
from common import subscriptions, row, one_recorded_each, rollup_and_check


def scale_out(ctx):
    p = ctx.params
    redis = ctx.redis("scale-out")
    hosts = [ctx.host(f"scale-{i}", redis.url) for i in range(3)]
    view = ctx.view(redis.url)
    ledger = load.Ledger()
    events = ctx.events("scale", p["scale_events"], subscriptions("scale", 8))
    load.Pool(ledger, ctx.headers, p["scale_groups"], 3).run(load.copies(events, hosts, 3, ledger))
    check = verify.Check()
    rids = [e.rid for e in events]
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day)
    one_recorded_each(check, ledger, rids)
    per_host = collections.Counter(h for answers in ledger.answers.values() for _, _, h, _, _ in answers)
    check.add("every instance took a third of the posts", len(per_host) == 3 and max(per_host.values()) - min(per_host.values()) <= 3,
              str(dict(per_host)))
    verify.check_summary(check, hosts[1], ctx.day, figures["expected"])
    statuses, _, _ = rollup_and_check(ctx, check, hosts, view, figures["expected"], label="3 instances at once")
    # Every snapshotted day of the day's month and the month before (the rollup's catch-up window).
    months = sorted({ctx.day[:7], (datetime.date.fromisoformat(ctx.day).replace(day=1) - datetime.timedelta(days=1)).isoformat()[:7]})
    first = view.latest_revisions(months)
    again = verify.fire_rollups(hosts)
    every_day = view.latest_revisions(months)
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
