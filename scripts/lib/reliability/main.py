"""The reliability suite (issue 10): runs the scenarios, prints one row per scenario, writes
out/reliability.json and out/reliability.md, exits 1 if anything was lost, double-counted, or an
invariant failed. Started by scripts/reliability (which sets the binaries, the work folder and the
Redis Cluster); usage: main.py --work DIR --bin-dir DIR [--long] [--only 1,2,…] [--out DIR]"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import envelopes  # noqa: E402
import load  # noqa: E402
import canary_scan  # noqa: E402
import common  # noqa: E402
import s1_duplicates  # noqa: E402
import s2_redis_outage  # noqa: E402
import s3_handler_kill  # noqa: E402
import s4_cluster  # noqa: E402
import s4_scale_out  # noqa: E402
import s5_disk  # noqa: E402
import s6_security  # noqa: E402
from procs import Work  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]


def log(message):
    print(message, flush=True)


def table(rows):
    header = ["scenario", "events sent", "posts", "acknowledged (2xx)", "counted", "lost", "double-counted", "non-2xx answers", "result"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append("| " + " | ".join(str(x) for x in [
            r["scenario"], r["sent"], r.get("deliveries", r["sent"]), r["acknowledged"], r["counted"], r["lost"], r["double_counted"],
            r["non_2xx"], "pass" if r["ok"] else "**FAIL**"]) + " |")
    return "\n".join(lines)


def print_row(r):
    log(f"  {r['scenario']:<36} sent {r['sent']:>6}  posts {r.get('deliveries', r['sent']):>6}  2xx {r['acknowledged']:>6}  "
        f"counted {r['counted']:>6}  lost {r['lost']:>3}  double {r['double_counted']:>3}  non-2xx {r['non_2xx']:>5}  "
        f"{'pass' if r['ok'] else 'FAIL'}")
    for item in r["invariants"]:
        if not item["ok"]:
            log(f"      FAILED: {item['name']}: {item['detail']}")


def markdown(result):
    lines = [f"# Reliability run ({result['mode']})", "",
             f"`{result['command']}` on {result['date']} ({result['machine']}), {result['seconds']:.0f} s; "
             f"billing day {result['day']}; binaries {result['binaries']}.", "", table(result["rows"]), ""]
    for r in result["rows"]:
        lines += [f"## {r['scenario']}", "", r["notes"], ""]
        if r.get("answers"):
            lines.append("Answers: " + ", ".join(f"{k} × {v}" for k, v in r["answers"].items()) + ".")
            lines.append("")
        if r.get("answers_by_phase") and len(r["answers_by_phase"]) > 1:
            lines.append("| phase | answers |")
            lines.append("|---|---|")
            for phase, counts in r["answers_by_phase"].items():
                lines.append(f"| {phase} | " + ", ".join(f"{k} × {v}" for k, v in counts.items()) + " |")
            lines.append("")
        for item in r["invariants"]:
            lines.append(f"- {'✔' if item['ok'] else '✘ FAILED'} {item['name']}" + (f": {item['detail']}" if item["detail"] else ""))
        if r.get("probes"):
            lines += ["", "| probe | status | code | message |", "|---|---|---|---|"]
            for probe in r["probes"]:
                lines.append(f"| {probe['probe']} | {probe['status']} | {probe['code'] or ''} | {probe['message'].replace('|', '/')} |")
        lines.append("")
    if result["errors"]:
        lines += ["## Errors", ""] + [f"- {e}" for e in result["errors"]] + [""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--long", action="store_true")
    parser.add_argument("--only", default="1,2,3,4,5,6")
    parser.add_argument("--out", default=str(ROOT / "out"))
    parser.add_argument("--command", default="scripts/reliability")
    args = parser.parse_args()

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    started = time.monotonic()
    work = Work(args.work)
    selected = {s.strip() for s in args.only.split(",") if s.strip()}
    cluster = []
    for node in filter(None, os.environ.get("REDIS_CLUSTER_NODES", "").split(",")):
        host, port = node.rsplit(":", 1)
        cluster.append((host, int(port)))
    today = datetime.datetime.now(datetime.timezone.utc).date()
    day = (today - datetime.timedelta(days=3)).isoformat()   # closed (grace 2 h) and inside the rollup's 7-day catch-up
    canary = envelopes.Canary()
    load.Pool.binary = str(pathlib.Path(args.bin_dir) / "ingest-load")
    reports = pathlib.Path(args.out) / "reliability-reports"
    if reports.exists():
        shutil.rmtree(reports)
    ctx = common.Context(work, args.bin_dir, ROOT, common.LONG if args.long else common.SHORT, canary, day, cluster, log,
                            reports)
    rows, errors = [], []
    plan = [("1", s1_duplicates.duplicates), ("2", s2_redis_outage.redis_outage), ("3", s3_handler_kill.handler_kill),
            ("4", s4_scale_out.scale_out), ("4", s4_cluster.cluster_migration), ("5", s5_disk.disk)]
    mode = "long" if args.long else "short"
    log(f"== reliability ({mode}): billing day {day}, work folder {work.root}")
    try:
        for number, function in plan:
            if number not in selected:
                continue
            log(f"== scenario {number}: {function.__name__.replace('_', ' ')}")
            begun = time.monotonic()
            try:
                result = function(ctx)
            except Exception as error:  # a scenario that crashes is a failure, and the others still run
                errors.append(f"scenario {number} {function.__name__}: {type(error).__name__}: {error}")
                for problem in ctx.outside_interference():
                    errors.append(f"scenario {number}: {problem}")
                    log(f"error: {problem}")
                log(traceback.format_exc())
                for host in ctx.hosts:
                    host.stop()
                continue
            if result is None:
                errors.append(f"scenario {number} {function.__name__}: skipped (no REDIS_CLUSTER_NODES)")
                continue
            result["seconds"] = round(time.monotonic() - begun, 1)
            for problem in ctx.outside_interference():
                errors.append(f"scenario {number}: {problem}")
                log(f"error: {problem}")
            rows.append(result)
            print_row(result)
            log(f"     ({result['seconds']} s) {result['notes']}")
        if "6" in selected:
            log("== scenario 6: security and canary")
            begun = time.monotonic()
            try:
                check, probes, figures, ledger = s6_security.security(ctx)
            except Exception as error:
                errors.append(f"scenario 6 security: {type(error).__name__}: {error}")
                log(traceback.format_exc())
                check, probes, figures, ledger = None, [], None, None
            for host in ctx.hosts:
                host.stop()
            # The sender's ledgers of scenarios 1-5 are in the work folder too (ids and answers only).
            findings, stats = canary_scan.scan_for_canary(ctx, [pathlib.Path(args.out)])
            if check is not None:
                check.add("no canary in any Redis key or value, log, spool, AOF, fetched report or out/ file", not findings,
                          "; ".join(findings[:10]) + (f" … ({len(findings)} places)" if len(findings) > 10 else ""))
                result = common.row(ctx, "6 security + canary scan", figures, check, ledger,
                                       f"{figures['load_events']} events posted 4 at a time (ingest-load) with the ingest key while {figures['probes']} "
                                       f"probes ran (missing, wrong, cross-role and smuggled keys; a cost-center report key of "
                                       f"{s6_security.SCOPED_CENTER} against {s6_security.OTHER_CENTER}'s data; hostile envelopes); "
                                       f"canary planted in prompts, completions, envelope header fields, lastError.message and the "
                                       f"HTTP headers Ocp-Apim-Subscription-Key, api-key, Authorization, X-Team-Note of every event "
                                       f"of every scenario; scanned {stats}; report endpoints saved in out/reliability-reports/ (HTTP statuses: "
                                       f"{ctx.report_statuses.get('security')})", {"probes": probes, "scan": stats,
                                                                                  "report_statuses": ctx.report_statuses})
                result["non_2xx"] = figures["non_2xx"]
                # Every request of the scenario: the load's posts and every probe (GETs included), as non_2xx counts them.
                result["deliveries"] = figures["requests"]
                result["seconds"] = round(time.monotonic() - begun, 1)
                rows.append(result)
                print_row(result)
    finally:
        work.cleanup()

    elapsed = time.monotonic() - started
    result = {
        "mode": mode, "command": args.command, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}", "day": day, "seconds": round(elapsed, 1),
        "binaries": args.bin_dir, "rows": rows, "errors": errors,
        "ok": bool(rows) and all(r["ok"] for r in rows) and not [e for e in errors if "skipped" not in e],
    }
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "reliability.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (out / "reliability.md").write_text(markdown(result))
    # The files just written must not hold the canary either, and nothing in out/ a raw key of the run.
    written = [out / "reliability.json", out / "reliability.md"] + sorted(p for p in reports.rglob("*") if p.is_file())
    problems = [f"the canary appears in {p}" for p in written[:2] if canary.core.encode() in p.read_bytes()]
    problems += [f"a raw key of the run appears in {p}" for p in written if any(k.encode() in p.read_bytes() for k in ctx.keys.every())]
    if problems:
        result["ok"] = False
        errors.extend(problems)
        (out / "reliability.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    log("")
    log(table(rows))
    for error in errors:
        log(f"error: {error}")
    log(f"== reliability ({mode}) {'passed' if result['ok'] else 'FAILED'} in {elapsed:.0f} s; wrote {out}/reliability.json and .md")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
