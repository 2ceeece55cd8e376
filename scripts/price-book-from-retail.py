#!/usr/bin/env python3
"""Turns Azure Retail Prices API answers into price book `prices` entries (docs/price-book.md).

    scripts/price-book-from-retail.py --map config/retail-meter-map.example.json RETAIL.json [MORE.json…]
    scripts/price-book-from-retail.py --map MAP.json --region eastus2   # fetches from prices.azure.com

Prices are read as exact decimals (never floats) and normalised to the price book's units from
`unitOfMeasure` (1K and 1M tokens; `1 Hour`/`1/Hour` and anything else is refused and reported).
Only `type == Consumption` items whose `meterName` is in the mapping are used; every other meter is
listed on stderr so nothing is dropped silently. Output: a JSON array of price sets on stdout, one
per model × deployment type × effective date, ready to paste into the book's `prices`.
"""
import argparse
import decimal
import json
import sys
import urllib.parse
import urllib.request

API = "https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&$filter="
PER_MILLION = {"1K": decimal.Decimal(1000), "1M": decimal.Decimal(1)}


def fetch(region):
    query = f"serviceName eq 'Foundry Models' and armRegionName eq '{region}' and priceType eq 'Consumption'"
    url, items = API + urllib.parse.quote(query), []
    while url:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = json.loads(response.read(), parse_float=decimal.Decimal)
        items += page.get("Items", [])
        url = page.get("NextPageLink")
    return items


def price_sets(items, mapping):
    """Price sets per model × deployment type: one version per date on which any meter's price
    starts, carrying every meter in force that day, closed by the next version (no overlaps)."""
    timelines, unmapped, refused = {}, [], []
    for item in items:
        if item.get("type") != "Consumption":
            continue
        name = item.get("meterName", "")
        target = mapping.get(name)
        if target is None:
            unmapped.append(name)
            continue
        factor = PER_MILLION.get(item.get("unitOfMeasure"))
        if factor is None:
            refused.append(f"{name}: unit '{item.get('unitOfMeasure')}' is not a token unit")
            continue
        price = decimal.Decimal(str(item["retailPrice"])) * factor
        if price < 0 or price != price.quantize(decimal.Decimal("0.000001")):
            refused.append(f"{name}: {price} per 1M tokens is negative or has more than 6 decimals")
            continue
        key = (target["model"], target["deploymentType"])
        timelines.setdefault(key, []).append((item["effectiveStartDate"][:10], target["meter"], price))
    sets = []
    for (model, deployment_type), timeline in sorted(timelines.items()):
        dates = sorted({day for day, _, _ in timeline})
        for index, day in enumerate(dates):
            in_force = {}
            for start, meter, price in sorted(timeline):
                if start <= day:
                    in_force[meter] = price
            entry = {"model": model, "deploymentType": deployment_type, "effectiveFrom": day}
            if index + 1 < len(dates):
                entry["effectiveTo"] = dates[index + 1]
            entry["perMillionTokens"] = {meter: format(price.normalize(), "f") for meter, price in sorted(in_force.items())}
            sets.append(entry)
    return sets, unmapped, refused


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--map", required=True, help="JSON file: {\"meters\": {meterName: {model, deploymentType, meter}}}")
    parser.add_argument("--region", help="fetch this armRegionName from prices.azure.com instead of reading files")
    parser.add_argument("files", nargs="*", help="saved Retail Prices API answers")
    arguments = parser.parse_args()
    with open(arguments.map) as handle:
        mapping = json.load(handle)["meters"]
    items = []
    if arguments.region:
        items = fetch(arguments.region)
    for path in arguments.files:
        with open(path) as handle:
            items += json.load(handle, parse_float=decimal.Decimal).get("Items", [])
    if not items:
        sys.exit("price-book-from-retail: no items (give files or --region)")
    sets, unmapped, refused = price_sets(items, mapping)
    for name in sorted(set(unmapped)):
        print(f"unmapped meter (not in --map): {name}", file=sys.stderr)
    for reason in refused:
        print(f"refused: {reason}", file=sys.stderr)
    print(json.dumps(sets, indent=2))


if __name__ == "__main__":
    main()
