"""Checks the APIM policies (policies/*.xml) against the payload contract and the Terraform:
every section is present and well formed once its C# expressions are masked; the envelopes the
outbound and on-error sections build carry exactly the contract's fields; a simulated envelope
validates against the schema and, when the handler is built, extracts; every named value the
policies use is declared in infrastructure/; no expression reads a subscription key; every
multi-statement expression is guarded by try/catch.
Usage: check_policies.py [CHARGEBACK_BIN_DIR]"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import jsonschema
from lxml import etree

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import apim_policy  # noqa: E402

root = apim_policy.ROOT
problems = []
schema = json.loads((root / "docs/payload-contract.schema.json").read_text())
contract = set(schema["properties"])
required = set(schema["required"])

# 1. Sections: each file is its section's element; the composed document has all four, in order.
for name in apim_policy.SECTIONS:
    text = apim_policy.section_text(name)
    try:
        element = etree.fromstring(apim_policy.mask(text).encode())
    except (etree.XMLSyntaxError, ValueError) as error:
        problems.append(f"policies/{name}-policy.xml: not well formed once expressions are masked: {error}")
        continue
    if element.tag != name:
        problems.append(f"policies/{name}-policy.xml: root element is <{element.tag}>, expected <{name}>")
    if name != "backend" and element.find("base") is None:
        problems.append(f"policies/{name}-policy.xml: no <base /> (the global policy would be skipped)")
if apim_policy.TOKEN_LIMIT_MARKER not in apim_policy.section_text("inbound"):
    problems.append("policies/inbound-policy.xml: the token-limit marker is missing")
for token_limit in (False, True):
    try:
        document = etree.fromstring(apim_policy.mask(apim_policy.composed(token_limit)).encode())
        tags = [child.tag for child in document if isinstance(child.tag, str)]
        if tags != apim_policy.SECTIONS:
            problems.append(f"composed policy (token limit {token_limit}): sections {tags}")
        limited = document.find("inbound/azure-openai-token-limit") is not None
        if limited != token_limit:
            problems.append(f"composed policy: token limit present={limited}, expected {token_limit}")
    except (etree.XMLSyntaxError, ValueError) as error:
        problems.append(f"composed policy: {error}")

# 2. The envelopes: field names are the contract's.
def set_body_code(name):
    return [code for kind, code in apim_policy.expressions(apim_policy.section_text(name)) if "new JObject(" in code and "schemaVersion" in code]

expected = {
    "outbound": contract - {"lastError"},
    "on-error": contract - {"backendRegion", "responseContentType"},
}
main_fields = {}
for name, fields in expected.items():
    bodies = set_body_code(name)
    if len(bodies) != 1:
        problems.append(f"policies/{name}-policy.xml: expected one envelope set-body, found {len(bodies)}")
        continue
    objects = [names for names in apim_policy.envelope_fields(bodies[0]) if "schemaVersion" in names]
    if len(objects) != 2:
        problems.append(f"policies/{name}-policy.xml: expected an envelope and a fallback envelope, found {len(objects)}")
        continue
    envelope, fallback = objects
    main_fields[name] = envelope
    if set(envelope) != fields or len(envelope) != len(set(envelope)):
        problems.append(f"policies/{name}-policy.xml: envelope fields differ from the contract: "
                        f"missing {sorted(fields - set(envelope))}, unknown {sorted(set(envelope) - contract)}")
    if not required <= set(fallback) or not set(fallback) <= contract:
        problems.append(f"policies/{name}-policy.xml: fallback envelope lacks {sorted(required - set(fallback))} or has unknown fields")
    if f'"source", "{name}"' not in bodies[0]:
        problems.append(f"policies/{name}-policy.xml: source is not \"{name}\"")

# 3. Guarded expressions, no keys.
for path in sorted(apim_policy.POLICY_DIR.glob("*.xml")):
    text = path.read_text()
    for kind, code in apim_policy.expressions(text):
        if kind == "{" and not ("try" in code and "catch" in code):
            problems.append(f"{path.name}: a multi-statement expression without try/catch: {code.strip()[:60]}…")
        if kind == "(" and re.search(r"\.As<|Parse\(|\[", code):
            problems.append(f"{path.name}: a single expression that can throw (reads a body or parses): {code.strip()[:60]}")
    if re.search(r"Subscription\s*\??\.\s*(Key|PrimaryKey|SecondaryKey)\b", text):
        problems.append(f"{path.name}: reads a subscription key")
    if re.search(r'GetValueOrDefault\(\s*"(api-key|Ocp-Apim-Subscription-Key|Authorization)"', text, re.I):
        problems.append(f"{path.name}: reads a credential header")
    if re.search(r'mode="copy"', text):
        problems.append(f"{path.name}: send-one-way-request mode=copy would forward the client's headers (its key)")

# 4. Named values: used by the policies ⇔ declared in Terraform; the sections are the files Terraform loads.
used = set()
for path in apim_policy.POLICY_DIR.glob("*.xml"):
    used |= set(re.findall(r"\{\{([A-Za-z0-9._-]+)\}\}", path.read_text()))
declared = set()
terraform_text = ""
for path in sorted((root / "infrastructure").glob("*.tf")):
    terraform_text += path.read_text()
    document = apim_policy.hcl_load(path)
    for block in document.get("resource", []):
        for item in block.get("azurerm_api_management_named_value", {}).values():
            declared.add(str(apim_policy.hcl_scalar(item.get("name"))))
for name in sorted(used - declared):
    problems.append(f"named value {{{{{name}}}}} is used in policies/ but not declared in infrastructure/")
for name in sorted(declared - used):
    problems.append(f"named value {name} is declared in infrastructure/ but no policy uses it")
for name in [*apim_policy.SECTIONS, "token-limit"]:
    if f"{name}-policy.xml" not in terraform_text:
        problems.append(f"infrastructure/ does not load policies/{name}-policy.xml")
if apim_policy.TOKEN_LIMIT_MARKER not in terraform_text:
    problems.append("infrastructure/ does not insert the token-limit snippet at its marker")

# 5. A simulated envelope (the outbound fields, with the policy's own timestamp format) validates and extracts.
def dotnet_format(pattern, moment):
    """The subset of .NET custom date formats the policy uses: yyyy MM dd HH mm ss fffffff and 'literals'."""
    out = ""
    for token in re.findall(r"'[^']*'|yyyy|MM|dd|HH|mm|ss|f+|.", pattern):
        if token.startswith("'"):
            out += token[1:-1]
        elif token[0] == "f":
            out += f"{moment['fraction']:07d}"[:len(token)]
        else:
            out += {"yyyy": "2026", "MM": "11", "dd": "29", "HH": "08", "mm": "05", "ss": "09"}.get(token, token)
    return out

formats = set(re.findall(r'Timestamp\.ToString\("([^"]+)"\)', "".join(apim_policy.section_text(n) for n in apim_policy.SECTIONS)))
if len(formats) != 1:
    problems.append(f"the policies format context.Timestamp {len(formats)} ways: {formats}")
fixtures = root / "Tests/TestSupport/Fixtures/openai"
request = json.dumps({"messages": [{"role": "user", "content": "hello"}], "max_tokens": 50})
response = (fixtures / "chat-completion.json").read_text() if (fixtures / "chat-completion.json").exists() else None
if response is None:
    problems.append(f"fixture {fixtures / 'chat-completion.json'} is missing")
elif "outbound" in main_fields and formats:
    sample = {
        "schemaVersion": 1, "source": "outbound", "requestId": "7d9c6f0e-3b1a-4b7e-9a51-2f1f0c3d8e42",
        "timestamp": dotnet_format(next(iter(formats)), {"fraction": 1234567}), "elapsedMs": 812.345,
        "subscriptionId": "marketing-web", "subscriptionName": "Marketing web", "productId": "azure-openai-chargeback",
        "userId": "1", "apiId": "azure-openai", "operationId": "chat-completions", "method": "POST",
        "path": "/openai/deployments/gpt-4o/chat/completions", "apiVersion": "2024-10-21", "deployment": "gpt-4o",
        "gatewayRegion": "East US 2", "backendRegion": "East US 2", "statusCode": 200, "isStream": False,
        "responseContentType": "application/json", "requestBody": request, "requestBodyLength": len(request.encode()),
        "responseBody": response, "responseBodyLength": len(response.encode()),
    }
    envelope = {field: sample.get(field) for field in main_fields["outbound"]}
    for error in jsonschema.Draft202012Validator(schema).iter_errors(envelope):
        problems.append(f"simulated outbound envelope: {error.message}")
    if len(sys.argv) > 1:
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(envelope, handle)
            handle.flush()
            run = subprocess.run([str(pathlib.Path(sys.argv[1]) / "chargeback"), "extract", handle.name], capture_output=True, text=True)
        if run.returncode != 0 or '"usageSource":"reported"' not in run.stdout.replace(" ", ""):
            problems.append(f"chargeback extract refused the simulated outbound envelope: {run.returncode} {run.stdout[:200]} {run.stderr[:200]}")

for problem in problems:
    print("check_policies:", problem, file=sys.stderr)
if not problems:
    print(f"check_policies: 4 sections well formed, envelopes carry the {len(contract)} contract fields, "
          f"{len(used)} named values declared in Terraform, no key read, every block guarded")
sys.exit(1 if problems else 0)
