"""The payload contract v1 checks: every example envelope in docs/examples validates against
docs/payload-contract.schema.json, broken variants do not (a responseBodyTail next to a
responseBody among them), and the schema's fields are exactly the
fields the Swift envelope parser knows (so the document, the schema and the code cannot drift)."""
import copy
import json
import pathlib
import re
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parents[2]
schema = json.loads((root / "docs/payload-contract.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
problems = []

examples = sorted((root / "docs/examples").glob("*.envelope.json"))
if not examples:
    problems.append("no example envelopes in docs/examples")
for path in examples:
    envelope = json.loads(path.read_text())
    for error in validator.iter_errors(envelope):
        problems.append(f"{path.name}: {error.message}")
    for field, value in [("schemaVersion", 2), ("requestId", "has spaces"), ("statusCode", "200"), ("timestamp", "yesterday"),
                         ("source", "inbound"), ("subscriptionKey", "secret")]:
        broken = copy.deepcopy(envelope)
        broken[field] = value
        if validator.is_valid(broken):
            problems.append(f"{path.name}: the schema accepts {field}={value!r}")
    # A tail stands in for a body over the limit: never both (docs/payload-contract.md, Over the limit).
    if validator.is_valid({**envelope, "responseBody": "{}", "responseBodyTail": "}"}):
        problems.append(f"{path.name}: the schema accepts responseBodyTail next to a responseBody")
    if not validator.is_valid({**envelope, "responseBody": None, "responseBodyTail": "\"usage\":{}}"}):
        problems.append(f"{path.name}: the schema refuses responseBodyTail with a null responseBody")
    for field in schema["required"]:
        broken = {k: v for k, v in envelope.items() if k != field}
        if validator.is_valid(broken):
            problems.append(f"{path.name}: the schema accepts an envelope without {field}")

parser = (root / "Sources/ChargebackCore/Envelope/EnvelopeParser.swift").read_text()
# The parser's members are the cases of its `Field` enum (each case is named as its member).
field_enum = re.search(r"enum Field: Int, CaseIterable \{(.*?)\n\n", parser, re.S)
swift_fields = {name for line in re.findall(r"^\s*case ([A-Za-z, ]+)$", field_enum.group(1), re.M)
                for name in (part.strip() for part in line.split(",")) if name} if field_enum else set()
schema_fields = set(schema["properties"])
if swift_fields != schema_fields:
    problems.append(f"schema and parser disagree: only in schema {sorted(schema_fields - swift_fields)}, only in parser {sorted(swift_fields - schema_fields)}")
document = (root / "docs/payload-contract.md").read_text()
for field in sorted(schema_fields):
    if f"`{field}`" not in document:
        problems.append(f"docs/payload-contract.md does not document `{field}`")

for problem in problems:
    print("check_contract:", problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check_contract: {len(examples)} example envelopes valid, {len(schema_fields)} fields agree in schema, parser and document")
