#!/usr/bin/env python3
"""Validates a FOCUS dataset (CSV) against the FOCUS column rules derived from the specification.

Usage: python3 scripts/lib/check_focus.py FILE.csv [--rules scripts/lib/focus-1.2-columns.json] [--self-test]

The rules file is generated from the spec's own column definitions at a tag (focus_columns.py;
FOCUS 1.2 = commit 7296e31 of FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec). Checked, per the spec:
- columns: every name is a FOCUS column of that version or a custom column prefixed x_, custom
  columns after the FOCUS ones, every Mandatory column present (column_handling.md);
- per value: nulls only where the column allows them (an empty cell is null; null_handling.md),
  the data type (Decimal per numeric_format.md, Date/Time per datetime_format.md, JSON key-value
  objects), allowed values (ServiceSubcategory under its ServiceCategory), Unit Format for the unit
  columns (unit_format.md), an ISO 4217 BillingCurrency;
- across columns (the columns' normative statements): periods [start, end) with the charge period
  inside the billing period; PricingUnit null iff PricingQuantity null, ConsumedUnit iff
  ConsumedQuantity, SubAccountName iff SubAccountId, SkuMeter null when SkuId is; for Usage and
  Purchase rows that are not corrections, PricingQuantity, ListUnitPrice, ContractedUnitPrice,
  PricingCategory, SkuId and SkuPriceId not null; ListUnitPrice × PricingQuantity = ListCost and
  ContractedUnitPrice × PricingQuantity = ContractedCost (to 10⁻⁹: a per-minute quantity is given to
  12 places); ChargeFrequency not Usage-Based on a Purchase; ResourceName never the ResourceId.
--self-test plants one mistake of each kind into a copy of FILE and fails unless each is caught.
--report REPORT.json (this project's own export, not a spec rule): the priced rows' BilledCost adds
up to the report's exactTotal to the last digit, the true-up (Adjustment) rows' to its
exactTrueUpTotal, and every other row is an unpriced line shown at its ceiling price
(x_PriceStatus), so the file's total is the report's grand total plus those, exactly.
"""
import argparse
import csv
import datetime
import decimal
import io
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?(E-?[0-9]+)?$")
DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
# <quantity> <plural-units>, <singular-unit>-<plural-time-units>, <plural-units>/<interval> <time-unit>.
UNIT = re.compile(r"^(?:[1-9][0-9]* )?[A-Z][A-Za-z]*(?:-[A-Z][a-z]+s)?(?:/(?:[1-9][0-9]* )?[A-Z][a-z]+)?$")
TOLERANCE = decimal.Decimal("0.000000001")


def problems_in(text, rules):
    columns = {column["name"]: column for column in rules["columns"]}
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return ["the file is empty"]
    header, body = rows[0], rows[1:]
    found = []
    seen_custom = False
    for name in header:
        if name.startswith("x_"):
            seen_custom = True
        elif name not in columns:
            found.append(f"column {name!r} is neither a FOCUS {rules['version']} column nor prefixed x_")
        elif seen_custom:
            found.append(f"FOCUS column {name} comes after a custom column")
    if len(set(header)) != len(header):
        found.append("a column appears twice")
    for name, column in columns.items():
        if column["feature_level"] == "Mandatory" and name not in header:
            found.append(f"Mandatory column {name} is missing")
    for number, cells in enumerate(body, start=2):
        if len(cells) != len(header):
            found.append(f"row {number}: {len(cells)} cells for {len(header)} columns")
            continue
        row = dict(zip(header, cells))
        found += [f"row {number}: {problem}" for problem in value_problems(row, columns) + row_problems(row)]
        if len(found) > 50:
            found.append("… stopped after 50 problems")
            break
    return found


def value_problems(row, columns):
    found = []
    for name, value in row.items():
        column = columns.get(name)
        if column is None:
            continue
        if value == "":
            if not column["allows_nulls"]:
                found.append(f"{name} is null (the column does not allow nulls)")
            continue
        kind = column["data_type"]
        if kind == "Decimal" and not DECIMAL.match(value):
            found.append(f"{name} {value!r} is not a FOCUS Decimal")
        if kind == "Date/Time":
            if not DATETIME.match(value):
                found.append(f"{name} {value!r} is not YYYY-MM-DDTHH:mm:ssZ")
            else:
                try:
                    datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
                except ValueError:
                    found.append(f"{name} {value!r} is not a date")
        if kind == "JSON":
            try:
                if not isinstance(json.loads(value), dict):
                    found.append(f"{name} is not a JSON object")
            except ValueError:
                found.append(f"{name} is not JSON")
        if value.strip() != value or not value.strip():
            found.append(f"{name} {value!r} has leading or trailing spaces")
        allowed = column.get("allowed_values")
        if allowed and value not in allowed:
            found.append(f"{name} {value!r} is not one of its allowed values")
        parents = column.get("allowed_values_parent_category")
        if parents and value in parents and row.get("ServiceCategory") not in ("", None, parents[value]):
            found.append(f"{name} {value!r} belongs under ServiceCategory {parents[value]!r}, not {row.get('ServiceCategory')!r}")
        if column.get("unit_format") and not UNIT.match(value):
            found.append(f"{name} {value!r} does not follow the Unit Format")
    if row.get("BillingCurrency") and not re.match(r"^[A-Z]{3}$", row["BillingCurrency"]):
        found.append(f"BillingCurrency {row['BillingCurrency']!r} is not an ISO 4217 code")
    return found


def number(row, name):
    value = row.get(name, "")
    try:
        return decimal.Decimal(value) if value != "" and DECIMAL.match(value) else None
    except decimal.InvalidOperation:
        return None


def row_problems(row):
    found = []
    for start, end in (("BillingPeriodStart", "BillingPeriodEnd"), ("ChargePeriodStart", "ChargePeriodEnd")):
        if row.get(start) and row.get(end) and not row[start] < row[end]:
            found.append(f"{start} is not before {end}")
    if row.get("ChargePeriodStart", "") < row.get("BillingPeriodStart", "") or row.get("ChargePeriodEnd", "") > row.get("BillingPeriodEnd", ""):
        found.append("the charge period is not inside the billing period")
    for quantity, unit in (("PricingQuantity", "PricingUnit"), ("ConsumedQuantity", "ConsumedUnit"), ("SubAccountId", "SubAccountName")):
        if quantity in row and unit in row and (row[quantity] == "") != (row[unit] == ""):
            found.append(f"{unit} and {quantity} are not null together")
    if row.get("SkuId") == "" and row.get("SkuMeter"):
        found.append("SkuMeter is set while SkuId is null")
    if row.get("ChargeClass") not in ("", "Correction"):
        found.append(f"ChargeClass {row.get('ChargeClass')!r} is neither null nor Correction")
    correction = row.get("ChargeClass") == "Correction"
    if row.get("ChargeCategory") in ("Usage", "Purchase") and not correction:
        for name in ("PricingQuantity", "ListUnitPrice", "ContractedUnitPrice", "PricingCategory", "SkuId", "SkuPriceId"):
            if name in row and row[name] == "":
                found.append(f"{name} is null on a {row['ChargeCategory']} row")
        if row.get("ChargeCategory") == "Usage" and "ConsumedQuantity" in row and row["ConsumedQuantity"] == "":
            found.append("ConsumedQuantity is null on a Usage row")
        quantity = number(row, "PricingQuantity")
        for price, cost in (("ListUnitPrice", "ListCost"), ("ContractedUnitPrice", "ContractedCost")):
            unit_price, total = number(row, price), number(row, cost)
            if quantity is not None and unit_price is not None and total is not None and abs(unit_price * quantity - total) > TOLERANCE:
                found.append(f"{price} × PricingQuantity = {unit_price * quantity}, not {cost} {total}")
    if row.get("ChargeCategory") == "Purchase" and row.get("ChargeFrequency") == "Usage-Based":
        found.append("ChargeFrequency is Usage-Based on a Purchase")
    if row.get("ResourceName") and row.get("ResourceName") == row.get("ResourceId"):
        found.append("ResourceName repeats ResourceId")
    return found


def mutations(text):
    """One planted mistake of each kind, each of which the check must catch."""
    lines = text.split("\r\n")
    header = next(csv.reader([lines[0]]))
    first = next(csv.reader([lines[1]]))

    def with_cell(name, value):
        cells = list(first)
        cells[header.index(name)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(cells)
        return "\r\n".join([lines[0], out.getvalue().rstrip("\r\n")] + lines[2:])

    yield "a null BilledCost", with_cell("BilledCost", "")
    yield "a cost with a thousands separator", with_cell("BilledCost", "1,000.5")
    yield "a local date", with_cell("ChargePeriodStart", "2026-11-29 00:00:00")
    yield "an unknown ChargeCategory", with_cell("ChargeCategory", "Consumption")
    yield "a unit off the Unit Format", with_cell("PricingUnit", "per million tokens")
    yield "a list cost that is not price × quantity", with_cell("ListCost", "123456")
    yield "a subcategory under the wrong category", with_cell("ServiceSubcategory", "Virtual Machines")
    yield "a custom column without x_", text.replace("x_CostCenter", "CostCenter", 1)
    yield "a Mandatory column missing", text.replace("InvoiceIssuerName", "x_InvoiceIssuerName", 1)


def main():
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("file")
    arguments.add_argument("--rules", default=str(HERE / "focus-1.2-columns.json"))
    arguments.add_argument("--self-test", action="store_true")
    arguments.add_argument("--report", help="the report JSON of the same period: totals must agree exactly")
    options = arguments.parse_args()
    rules = json.loads(pathlib.Path(options.rules).read_text())
    text = pathlib.Path(options.file).read_bytes().decode("utf-8")  # CRLF kept: the rows are CRLF-terminated
    found = problems_in(text, rules)
    for problem in found:
        print(f"check_focus: {options.file}: {problem}", file=sys.stderr)
    if found:
        return 1
    rows = text.count("\r\n") - 1
    if rows < 1:
        print(f"check_focus: {options.file} has no rows to check", file=sys.stderr)
        return 1
    if options.self_test:
        missed = [name for name, planted in mutations(text) if not problems_in(planted, rules)]
        for name in missed:
            print(f"check_focus: the check did not catch {name}", file=sys.stderr)
        if missed:
            return 1
    agreement = ""
    if options.report:
        report = json.loads(pathlib.Path(options.report).read_text())
        exact = decimal.Decimal(report["exactTotal"])
        exact_true_ups = decimal.Decimal(report.get("exactTrueUpTotal", "0"))
        records = list(csv.DictReader(io.StringIO(text, newline="")))
        def total(rows):
            return sum((decimal.Decimal(r["BilledCost"]) for r in rows), decimal.Decimal(0))
        priced = total(r for r in records if r["x_PriceStatus"] == "priced")
        true_ups = [r for r in records if r["x_PriceStatus"] == "true-up"]
        unpriced_rows = [r for r in records if r["x_PriceStatus"] not in ("priced", "true-up")]
        if priced != exact:
            print(f"check_focus: {options.file}: the priced rows' BilledCost adds up to {priced}, the report's exactTotal is {exact}", file=sys.stderr)
            return 1
        if total(true_ups) != exact_true_ups or any(r["ChargeCategory"] != "Adjustment" for r in true_ups):
            print(f"check_focus: {options.file}: the true-up rows' BilledCost adds up to {total(true_ups)}, the report's exactTrueUpTotal is"
                  f" {exact_true_ups} (or a true-up row is not an Adjustment)", file=sys.stderr)
            return 1
        agreement = (f"; BilledCost of the priced rows = the report's exactTotal {exact}, of the {len(true_ups)} true-up rows = its"
                     f" exactTrueUpTotal {exact_true_ups}, plus {len(unpriced_rows)} unpriced rows at their ceiling ({total(unpriced_rows)})")
    print(f"check_focus: {options.file}: {rows} rows valid FOCUS {rules['version']} (spec commit {rules['commit'][:7]})"
          + (", and every planted mistake caught" if options.self_test else "") + agreement)
    return 0


if __name__ == "__main__":
    sys.exit(main())
