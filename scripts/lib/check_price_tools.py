"""Checks the price tools end to end: the Retail Prices converter on the API's documented shape
(the fixture), its output loaded by `chargeback check`, and a broken book refused with a reason.
Usage: python3 scripts/lib/check_price_tools.py BIN_DIR"""
import json
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parents[2]
chargeback = pathlib.Path(sys.argv[1]) / "chargeback"
problems = []

converted = subprocess.run(
    [sys.executable, str(root / "scripts/price-book-from-retail.py"), "--map", str(root / "config/retail-meter-map.example.json"),
     str(root / "Tests/TestSupport/Fixtures/openai/retail-prices-sample.json")],
    capture_output=True, text=True, check=True)
sets = json.loads(converted.stdout)
by_key = {(s["model"], s["deploymentType"], s["effectiveFrom"]): s for s in sets}
expected = {
    ("gpt-4o", "GlobalStandard", "2024-11-20"): {"input": "2.5", "cachedInput": "1.25", "output": "10"},
    ("gpt-4o-mini", "GlobalStandard", "2024-10-01"): {"input": "0.15", "cachedInput": "0.075", "output": "0.6"},
    ("gpt-5", "GlobalStandard", "2025-08-07"): {"input": "1.25", "cachedInput": "0.125", "output": "10"},
}
for key, prices in expected.items():
    if by_key.get(key, {}).get("perMillionTokens") != prices:
        problems.append(f"converter: {key} gave {by_key.get(key)}, expected {prices}")
if by_key.get(("gpt-4o-mini", "GlobalStandard", "2024-07-18"), {}).get("effectiveTo") != "2024-10-01":
    problems.append("converter: the first gpt-4o-mini version is not closed by the second")
if "Provisioned Managed Global Unit" not in converted.stderr:
    problems.append("converter: an unmapped meter was dropped silently")

with tempfile.TemporaryDirectory() as folder:
    book = {"schemaVersion": 1, "currency": "USD", "deployments": {
        "gpt-4o": {"model": "gpt-4o", "deploymentType": "GlobalStandard"}}, "prices": sets}
    good = pathlib.Path(folder) / "book.json"
    good.write_text(json.dumps(book))
    run = subprocess.run([str(chargeback), "check", "--price-book", str(good)], capture_output=True, text=True)
    if run.returncode != 0 or "gpt-4o: gpt-4o/GlobalStandard@2024-11-20" not in run.stdout:
        problems.append(f"chargeback check refused the converted book: {run.returncode} {run.stdout} {run.stderr}")
    book["prices"].append(dict(sets[0]))
    bad = pathlib.Path(folder) / "bad.json"
    bad.write_text(json.dumps(book))
    run = subprocess.run([str(chargeback), "check", "--price-book", str(bad)], capture_output=True, text=True)
    if run.returncode != 1 or "overlap" not in run.stderr:
        problems.append(f"chargeback check accepted overlapping versions: {run.returncode} {run.stderr}")

for problem in problems:
    print("check_price_tools:", problem, file=sys.stderr)
print(f"check_price_tools: converter gave {len(sets)} price versions; chargeback check accepts them and refuses overlaps" if not problems else "")
sys.exit(1 if problems else 0)
