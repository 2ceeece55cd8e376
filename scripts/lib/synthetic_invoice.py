"""Writes the main job's stand-in for Azure's invoice: a Cost Management FOCUS cost export for the
Azure OpenAI account on the replayed day, and the meter map that names its meters, so that
`chargeback reconcile --apply` has something to reconcile and the report shows true-ups.

What Azure would bill is what the synthetic upstream served, priced by the price book (the book
is the agreement), per day x model x deployment type x meter (Azure bills the account, not the
deployment), with two differences a finance team meets in real life:
  - calls that bypassed APIM: 5 % more gpt-4o output tokens than APIM saw (a team calling Azure
    OpenAI directly), which reconciliation shares among gpt-4o's users as `outside-apim`;
  - a price the book is behind on: gpt-4o input billed at 2.75 per 1M tokens instead of the book's
    2.50, shared among its users as `price-drift`.
Reasoning tokens are billed as output tokens, as Azure does; PTU hours on their own meter.

The columns are those of Microsoft's "FOCUS cost and usage details" schema the reader expects
(the test fixture Tests/TestSupport/Fixtures/azure/focus-cost-export-openai.csv has the same header).
Usage: synthetic_invoice.py REPORT_JSON PRICE_BOOK FIXTURE_CSV RESOURCE_ID OUT_EXPORT OUT_METER_MAP
"""
import csv
import json
import sys
from collections import defaultdict
from decimal import Decimal

report_path, book_path, fixture_path, resource_id, export_path, map_path = sys.argv[1:7]
report = json.load(open(report_path))
book = json.load(open(book_path))
day = report["period"]["from"]
if report["period"]["to"] != day:
    sys.exit("synthetic_invoice.py: the report must cover one day")

# What was counted, per model x deployment type x meter (reasoning folded into output, as billed).
quantities = defaultdict(int)
costs = defaultdict(Decimal)
for line in report["lines"]:
    deployment = book["deployments"].get(line["deployment"])
    if deployment is None or line["exactCost"] is None:
        continue  # unpriced or unlisted: Azure's invoice names no such meter here
    meter = "output" if line["meter"] == "reasoning" else line["meter"]
    key = (deployment["model"], deployment["deploymentType"], meter)
    quantities[key] += line["quantity"]
    costs[key] += Decimal(line["exactCost"])

# The two differences described above.
OUTSIDE = ("gpt-4o", "GlobalStandard", "output")
if OUTSIDE in costs:
    extra = quantities[OUTSIDE] * 5 // 100
    costs[OUTSIDE] += costs[OUTSIDE] * extra / quantities[OUTSIDE]
    quantities[OUTSIDE] += extra
DRIFT = ("gpt-4o", "GlobalStandard", "input")
if DRIFT in costs:
    costs[DRIFT] = Decimal(quantities[DRIFT]) * Decimal("2.75") / 1_000_000

header = next(csv.reader(open(fixture_path, encoding="utf-8-sig")))
month = day[:7]
next_month = f"{int(month[:4]) + (month[5:] == '12')}-{(int(month[5:]) % 12) + 1:02d}"
following = (__import__("datetime").date.fromisoformat(day) + __import__("datetime").timedelta(days=1)).isoformat()
meters = {}
with open(export_path, "w", newline="", encoding="utf-8") as out:
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for (model, deployment_type, meter), quantity in sorted(quantities.items()):
        name = f"{model} {meter} {deployment_type}" + ("" if meter == "provisioned" or meter.startswith("image:") else " Tokens")
        meters[name] = {"model": model, "deploymentType": deployment_type, "meter": meter}
        if meter == "provisioned":
            consumed, unit = Decimal(quantity) / 1_000_000, "Hours"  # the ledger counts millionths of a PTU-hour
        else:
            consumed, unit = Decimal(quantity), "Images" if meter.startswith("image:") else "Tokens"
        cost = f"{costs[(model, deployment_type, meter)].quantize(Decimal('0.00000001'))}"  # Cost Details: 8 places
        writer.writerow({column: "" for column in header} | {
            "BilledCost": cost, "EffectiveCost": cost, "ListCost": cost, "ContractedCost": cost,
            "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/local", "BillingAccountName": "Local demo",
            "BillingCurrency": report["currency"], "BillingPeriodStart": f"{month}-01T00:00:00Z", "BillingPeriodEnd": f"{next_month}-01T00:00:00Z",
            "ChargeCategory": "Usage", "ChargeDescription": name, "ChargeFrequency": "Usage-Based",
            "ChargePeriodStart": f"{day}T00:00:00Z", "ChargePeriodEnd": f"{following}T00:00:00Z",
            "ConsumedQuantity": f"{consumed}", "ConsumedUnit": unit, "PricingQuantity": f"{consumed}", "PricingUnit": unit,
            "PricingCategory": "Standard", "ProviderName": "Microsoft", "PublisherName": "Microsoft", "InvoiceIssuerName": "Microsoft",
            "ResourceId": resource_id.lower(), "ResourceName": resource_id.rsplit("/", 1)[-1], "ResourceType": "Azure AI services",
            "ServiceCategory": "AI and Machine Learning", "ServiceName": "Azure AI Services", "x_SkuMeterName": name,
        })
json.dump({"comment": "The meters of the main job's synthetic invoice (scripts/lib/synthetic_invoice.py).", "meters": meters},
          open(map_path, "w"), indent=1)
print(f"   synthetic invoice for {day}: {len(meters)} meters, {sum(costs.values()).quantize(Decimal('0.01'))} {report['currency']}"
      " (5 % more gpt-4o output than APIM saw; gpt-4o input at 2.75 instead of the book's 2.50)")
