"""Prints the replayed day's chargeback for people: one row per cost center × subscription ×
deployment with tokens by meter and cost, totals per cost center, and the reconciliation of what
the clients sent with what was counted.
Usage: print_chargeback.py REPORT_JSON TRAFFIC_JSON USAGE_JSON TWIN_STATS_JSON [HANDLER_LOG]
(HANDLER_LOG: the handler's JSON log lines; in relay mode, what the relay recorded is counted from its
"usage relayed" lines)"""
import json
import sys
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

report = json.load(open(sys.argv[1]))
traffic = json.load(open(sys.argv[2]))
usage = json.load(open(sys.argv[3]))
twin = json.loads(sys.argv[4])

COLUMNS = [("input", "input"), ("cachedInput", "cached"), ("output", "output"), ("reasoning", "reasoning")]
rows = defaultdict(lambda: {"meters": defaultdict(int), "cost": Decimal(0), "unpriced": 0})
for line in report["lines"]:
    row = rows[(line["costCenter"], line["subscription"], line["deployment"])]
    row["meters"][line["meter"]] += line["quantity"]
    if line["exactCost"] is None:
        row["unpriced"] += 1
    else:
        row["cost"] += Decimal(line["exactCost"])


def money(value):
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,}"


CENT = Decimal("0.01")


def apportion(amounts, total):
    """The amounts to the cent, adding up exactly to `total` (already to the cent): each rounded down,
    then a cent more for the largest remainders (ties to the earlier), as the reports do."""
    floors = [(amount / CENT).to_integral_value(rounding="ROUND_FLOOR") * CENT for amount in amounts]
    short = int(((total - sum(floors, Decimal(0))) / CENT).to_integral_value())
    order = sorted(range(len(amounts)), key=lambda index: (-(amounts[index] - floors[index]), index))
    for index in order[:max(short, 0)]:
        floors[index] += CENT
    return floors


def other(meters):
    parts = []
    images = sum(v for k, v in meters.items() if k.startswith("image:"))
    if images:
        parts.append(f"{images} images")
    for key, label in [("cacheWrite", "cache write"), ("imageInput", "image in"), ("imageOutput", "image out"), ("audioInput", "audio in"),
                       ("audioOutput", "audio out"), ("audio", "audio ms"), ("characters", "chars")]:
        if meters.get(key):
            parts.append(f"{meters[key]:,} {label}")
    return ", ".join(parts)


names = {center["id"]: center["name"] for center in report.get("costCenters", [])}
currency = report["currency"]
period = report.get("period", report)
print(f"\nChargeback {period['from']}{'' if period['from'] == period['to'] else ' to ' + period['to']} "
      f"(price book '{report['priceBook']}'{', ILLUSTRATIVE prices' if report['illustrativePrices'] else ''}; "
      f"final: rolled up into snapshot revisions)")
header = f"  {'cost center':<24} {'subscription':<20} {'deployment':<23}" + "".join(f" {label:>10}" for _, label in COLUMNS) + f" {'other':<22} {'cost ' + currency:>13}"
print(header)
print("  " + "-" * (len(header) - 2))
# Rows, cost-center totals and the total to the cent, each level adding up exactly to the one above.
exact_centers = defaultdict(Decimal)
for (center, _, _), row in rows.items():
    exact_centers[center] += row["cost"]
grand_total = Decimal(report["exactTotal"]).quantize(CENT, rounding=ROUND_HALF_EVEN)
centers_sorted = sorted(exact_centers)
center_totals = dict(zip(centers_sorted, apportion([exact_centers[c] for c in centers_sorted], grand_total)))
shown = {}
for center in centers_sorted:
    keys = sorted(key for key in rows if key[0] == center)
    shown.update(zip(keys, apportion([rows[key]["cost"] for key in keys], center_totals[center])))
for (center, subscription, deployment), row in sorted(rows.items()):
    meters = row["meters"]
    cost = f"{shown[(center, subscription, deployment)]:,}" + (" *" if row["unpriced"] else "")
    label = f"{center} {names.get(center, '')}"[:24]
    print(f"  {label:<24} {subscription:<20} {deployment:<23}" + "".join(f" {meters.get(key, 0):>10,}" for key, _ in COLUMNS)
          + f" {other(meters):<22} {cost:>13}")
print("  " + "-" * (len(header) - 2))
for center, total in sorted(center_totals.items(), key=lambda item: -item[1]):
    print(f"  {center + ' ' + names.get(center, ''):<68} {'':>43} total {total:>13,}")
print(f"  {'all cost centers':<68} {'':>43} total {grand_total:>13,} {currency}")
print("  (rounded to the cent so that rows add up to their cost center, and cost centers to the total: largest remainder)")
true_ups = report.get("trueUps", [])
if report.get("reconciledDays"):
    # Shown like the report: the grand total rounded, the true-ups the difference, so the two lines add up.
    grand = Decimal(report["exactGrandTotal"]).quantize(CENT, rounding=ROUND_HALF_EVEN)
    by_reason = defaultdict(Decimal)
    for true_up in true_ups:
        by_reason[true_up["reason"]] += Decimal(true_up["exactAmount"])
    ordered = sorted(by_reason)
    reasons = ", ".join(f"{reason} {amount:,}" for reason, amount in zip(ordered, apportion([by_reason[r] for r in ordered], grand - grand_total)))
    print(f"  {'invoice true-ups (chargeback reconcile --apply)':<68} {'':>43} total {grand - grand_total:>13,} {currency}"
          + (f"\n    {len(true_ups)} lines: {reasons}" if true_ups else ""))
    print(f"  {'all cost centers, after true-ups':<68} {'':>43} total {grand:>13,} {currency}")
if report["unpricedLines"]:
    print(f"  * {report['unpricedLines']} unpriced lines (quantity kept, no price in the book): never billed as zero")

sent = traffic["requests"]
answered = {status: count for status, count in traffic["statuses"].items()}
counted = usage["totals"]["requests"]
answers = twin.get("answers", {})
print(f"\nReconciliation")
print(f"  clients sent {sent:,} requests in {traffic['seconds']:.1f} s ({sent / max(traffic['seconds'], 0.001):,.0f}/s): "
      + ", ".join(f"{count:,} × {status}" for status, count in sorted(answered.items())))
print(f"  {traffic['streamed']:,} streamed; {traffic['duplicateDeliveries']:,} envelopes delivered twice to ingest")
print(f"  ingest answered: " + ", ".join(f"{count:,} {answer}" for answer, count in sorted(answers.items())))
print(f"  counted in Redis for the day: {counted:,} requests ({usage['totals']['estimatedRequests']:,} with estimated usage, "
      f"{usage['totals']['errors']:,} errors) — {'every request exactly once' if counted == sent else 'MISMATCH with what the clients sent'}")
relayed = defaultdict(int)
for line in (open(sys.argv[5], errors="replace") if len(sys.argv) > 5 else []):
    if '"usage relayed"' not in line:
        continue
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    status = int(entry.get("relay.status", "0"))
    gone = entry.get("relay.client_gone") == "true"
    relayed["client left" if gone else "reported" if entry.get("usage.source") == "reported" else
            "not billed (an error)" if entry.get("usage.source") == "none" else f"estimated, answered {status}"] += 1
if relayed:
    finished = relayed.get("reported", 0) + relayed.get("estimated, answered 200", 0)
    print(f"  relay: {sum(relayed.values()):,} streams recorded by the handler's relay: "
          + ", ".join(f"{count:,} {kind}" for kind, count in sorted(relayed.items(), key=lambda item: -item[1]))
          + f"; of the {finished:,} that finished (200), {relayed.get('estimated, answered 200', 0):,} estimated")
sys.exit(0 if counted == sent and not relayed.get("estimated, answered 200") else 1)
