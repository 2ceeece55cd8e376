"""Checks the APIM policies (policies/*.xml) against the payload contract and the Terraform:
every section is present and well formed once its C# expressions are masked; the optional snippets
(token-limit, budget-limit) each have one marker in the inbound section and compose, in every
combination, into well-formed sections; the budget-limit snippet only runs for a subscription, calls
the function fail-open (ignore-error, timeout, mode new, function key), caches per subscription and
refuses with a 429 + Retry-After OpenAI-shaped error, and is inserted before the body capture; the
envelopes the outbound and on-error sections build carry exactly the contract's fields; a simulated
envelope validates against the schema and, when the handler is built, extracts (and so does one whose
response was over the limit, from its responseBodyTail); every named value the policies use is
declared in infrastructure/ and every one declared is used, those only a snippet uses created under
the snippet's variable (count), and the policy depends on all of them; no expression reads a
subscription key, and every name APIM reads one from is removed before forwarding; the backend is asked
for an encoding the gateway can read (identity); include_usage is never injected next to On Your Data's
data_sources; the backend section serves an object addressed by id (every {x-id} of the Terraform
operations) only to its owner, fail closed (404), before forwarding (not inbound: one
cache-lookup-value per section, and the budget limit has inbound's); every multi-statement expression
is guarded by try/catch.
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
# The optional snippets: each marker exactly once in the inbound section; each snippet well formed
# on its own (a fragment of inbound elements).
inbound_text = apim_policy.section_text("inbound")
for name, file_name, marker in apim_policy.SNIPPETS:
    count = inbound_text.count(marker)
    if count != 1:
        problems.append(f"policies/inbound-policy.xml: the {name} marker {marker} occurs {count} times, expected once")
    try:
        etree.fromstring(("<fragment>" + apim_policy.mask(apim_policy.snippet_text(name)) + "</fragment>").encode())
    except (etree.XMLSyntaxError, ValueError) as error:
        problems.append(f"policies/{file_name}: not well formed once expressions are masked: {error}")
    except OSError as error:
        problems.append(f"policies/{file_name}: {error}")
# Every combination of the optional snippets composes into four well-formed sections, with exactly
# the enabled snippets and no marker left.
for token_limit in (False, True):
    for budget_limit in (False, True):
        label = f"composed policy (token limit {token_limit}, budget limit {budget_limit})"
        try:
            text = apim_policy.composed(token_limit, budget_limit)
            document = etree.fromstring(apim_policy.mask(text).encode())
        except (etree.XMLSyntaxError, ValueError, OSError) as error:
            problems.append(f"{label}: {error}")
            continue
        tags = [child.tag for child in document if isinstance(child.tag, str)]
        if tags != apim_policy.SECTIONS:
            problems.append(f"{label}: sections {tags}")
        limited = document.find("inbound/azure-openai-token-limit") is not None
        if limited != token_limit:
            problems.append(f"{label}: token limit present={limited}, expected {token_limit}")
        budgeted = 'key="@("chargeback-budget-"' in text and document.find("inbound//return-response") is not None
        if budgeted != budget_limit:
            problems.append(f"{label}: budget limit present={budgeted}, expected {budget_limit}")
        for _, _, marker in apim_policy.SNIPPETS:
            if marker in text:
                problems.append(f"{label}: the marker {marker} was left in")
        for section in document:
            if isinstance(section.tag, str) and len(section.findall(".//cache-lookup-value")) > 1:
                problems.append(f"{label}: more than one cache-lookup-value in <{section.tag}> (APIM allows one per section)")

# The budget-limit snippet (policies/budget-limit-policy.xml): what makes it safe, checked on the file.
def budget_limit_problems(text, inbound):
    """What is wrong with the budget-limit snippet `text` inserted into the inbound section `inbound`."""
    found = []
    name = "policies/budget-limit-policy.xml"
    try:
        fragment = etree.fromstring(("<fragment>" + apim_policy.mask(text) + "</fragment>").encode())
    except (etree.XMLSyntaxError, ValueError):
        return []  # reported with the other snippets above
    # Requests without a subscription pass: everything sits in one <choose> on context.Subscription != null.
    top = [child for child in fragment if isinstance(child.tag, str)]
    expressions = apim_policy.expressions(text)
    if [child.tag for child in top] != ["choose"] or not expressions or "context.Subscription != null" not in expressions[0][1]:
        found.append(f"{name}: not wrapped in one <choose> whose first condition requires context.Subscription != null")
    # The function call: a new request, fail open, with a timeout, to the status URL with the function key.
    requests = fragment.findall(".//send-request")
    if len(requests) != 1:
        found.append(f"{name}: expected one send-request, found {len(requests)}")
    for request in requests:
        if request.get("ignore-error") != "true":
            found.append(f'{name}: send-request without ignore-error="true" (a function that is down would fail the client\'s call)')
        if request.get("mode") != "new":
            found.append(f'{name}: send-request mode is not "new" (copy would forward the client\'s headers, its key)')
        if not request.get("timeout"):
            found.append(f"{name}: send-request has no timeout (the default is 60 s)")
        if request.findtext("set-method", "").strip() != "GET":
            found.append(f"{name}: send-request method is not GET")
        key_headers = [header for header in request.findall("set-header") if header.get("name", "").lower() == "x-functions-key"]
        if not key_headers or key_headers[0].findtext("value", "").strip() != "{{chargeback-function-key}}":
            found.append(f"{name}: send-request does not send x-functions-key {{{{chargeback-function-key}}}}")
    if not re.search(r"<set-url>@\(\s*\"\{\{chargeback-budget-status-url\}\}\?subscription=\"\s*\+\s*Uri\.EscapeDataString\(context\.Subscription\.Id\)\s*\)</set-url>", text):
        found.append(f"{name}: set-url is not {{{{chargeback-budget-status-url}}}}?subscription=<url-encoded context.Subscription.Id>")
    # The cache: looked up and stored under the same per-subscription key, for the configured time.
    for policy in ("cache-lookup-value", "cache-store-value"):
        if len(fragment.findall(f".//{policy}")) != 1:
            found.append(f"{name}: expected one {policy}")
    if len(re.findall(r'<cache-(?:lookup|store)-value key="@\("chargeback-budget-" \+ context\.Subscription\.Id\)"', text)) != 2:
        found.append(f'{name}: cache-lookup-value and cache-store-value are not both keyed "chargeback-budget-" + context.Subscription.Id')
    if "{{chargeback-budget-cache-seconds}}" not in text:
        found.append(f"{name}: the cache duration does not come from {{{{chargeback-budget-cache-seconds}}}}")
    # The refusal: 429 with Retry-After and an OpenAI-shaped error body.
    refusals = fragment.findall(".//return-response")
    if len(refusals) != 1:
        found.append(f"{name}: expected one return-response, found {len(refusals)}")
    for refusal in refusals:
        status = refusal.find("set-status")
        if status is None or status.get("code") != "429":
            found.append(f"{name}: return-response does not set status 429")
        if not any(header.get("name", "").lower() == "retry-after" for header in refusal.findall("set-header")):
            found.append(f"{name}: return-response has no Retry-After header")
        try:
            error = json.loads(refusal.findtext("set-body", "")).get("error", {})
            if error.get("code") != "budget_exceeded" or not isinstance(error.get("message"), str) or not error["message"]:
                found.append(f'{name}: the 429 body is not {{"error":{{"code":"budget_exceeded","message":...}}}}')
        except (ValueError, AttributeError):
            found.append(f"{name}: the 429 body is not JSON")
    # Where it is inserted (the marker's count is checked with the other snippets'): before the request
    # body is captured, so a refused call never has its body read.
    if inbound.count(apim_policy.BUDGET_LIMIT_MARKER) == 1 and not 0 <= inbound.find(apim_policy.BUDGET_LIMIT_MARKER) < inbound.find('<set-variable name="cb-request"'):
        found.append("policies/inbound-policy.xml: the budget-limit marker is not before the request body capture (cb-request)")
    return found


try:
    budget_snippet = apim_policy.snippet_text("budget-limit")
except OSError as error:
    problems.append(f"policies/budget-limit-policy.xml: {error}")
else:
    problems += budget_limit_problems(budget_snippet, inbound_text)

# 2. The envelopes: field names are the contract's.
def set_body_code(name):
    return [code for kind, code in apim_policy.expressions(apim_policy.section_text(name)) if "new JObject(" in code and "schemaVersion" in code]

expected = {
    "outbound": contract - {"lastError"},
    "on-error": contract - {"backendRegion", "responseContentType", "responseBodyTail"},
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

# The tail of a response over the limit (docs/payload-contract.md, Over the limit): only when the
# body is not sent because it is too large, its last 65,536 characters, not from a split surrogate pair.
outbound_body = set_body_code("outbound")
tail_code = outbound_body[0] if len(outbound_body) == 1 else ""
for pattern, why in [
    (r"if \(response != null && !responseCaptured\) \{", "is not computed only when the response was read and not captured"),
    (r"Math\.Max\(0, response\.Length - 65536\)", "is not the last 65,536 characters"),
    (r"char\.IsLowSurrogate\(response\[start\]\)", "may start inside a surrogate pair"),
    (r'new JProperty\("responseBodyTail", responseTail == null \? JValue\.CreateNull\(\) : \(JToken\)new JValue\(responseTail\)\)', "is not sent as responseBodyTail (string or null)"),
]:
    if not re.search(pattern, tail_code):
        problems.append(f"policies/outbound-policy.xml: the response tail {why}")

# 2b. Inbound: what goes upstream. Every name APIM may take a subscription key from (the API's own
# header and query names in Terraform, and APIM's defaults) is deleted; the backend's encoding is
# pinned to identity (Body.As<string> does not decode gzip); On Your Data gets no include_usage.
def subscription_key_names():
    """(headers, queries) APIM may read a subscription key from for the azure-openai API."""
    headers, queries = {"ocp-apim-subscription-key"}, {"subscription-key"}
    document = apim_policy.hcl_load(root / "infrastructure/apim.tf")
    for block in document.get("resource", []):
        for api in block.get("azurerm_api_management_api", {}).values():
            for names in api.get("subscription_key_parameter_names", []):
                headers.add(str(apim_policy.hcl_scalar(names.get("header"))).lower())
                queries.add(str(apim_policy.hcl_scalar(names.get("query"))).lower())
    return headers, queries


def inbound_problems(text):
    found = []
    name = "policies/inbound-policy.xml"
    try:
        inbound = etree.fromstring(apim_policy.mask(text).encode())
    except (etree.XMLSyntaxError, ValueError):
        return []  # reported with the sections
    deleted_headers = {e.get("name", "").lower() for e in inbound.findall("set-header") if e.get("exists-action") == "delete"}
    deleted_queries = {e.get("name", "").lower() for e in inbound.findall("set-query-parameter") if e.get("exists-action") == "delete"}
    headers, queries = subscription_key_names()
    for header in sorted(headers - deleted_headers):
        found.append(f"{name}: the header {header} (a subscription key) is not deleted before forwarding")
    for query in sorted(queries - deleted_queries):
        found.append(f"{name}: the query parameter {query} (a subscription key) is not deleted before forwarding")
    encodings = [e for e in inbound.findall("set-header") if e.get("name", "").lower() == "accept-encoding"]
    if len(encodings) != 1 or encodings[0].get("exists-action") != "override" or [v.text for v in encodings[0].findall("value")] != ["identity"]:
        found.append(f"{name}: Accept-Encoding is not overridden to identity (the outbound capture cannot read a compressed body)")
    inject = [code for kind, code in apim_policy.expressions(text) if "stream_options" in code and "include_usage" in code and "return false" in code]
    if len(inject) != 1 or not re.search(r'if \(body\["data_sources"\] != null\) \{ return false; \}', inject[0]):
        found.append(f"{name}: cb-inject-usage does not refuse bodies with data_sources (On Your Data answers 400 to stream_options)")
    return found


problems += inbound_problems(inbound_text)


# 2c. Ownership (policies/backend-policy.xml): objects addressed by id are served to their owner only.
def operation_parameters():
    """Every {parameter} of the azure-openai API's operation templates in Terraform, but deployment-id."""
    parameters = set()
    for path in sorted((root / "infrastructure").glob("*.tf")):
        for block in apim_policy.hcl_load(path).get("locals", []):
            for key in ("metered_operations", "unmetered_operations"):
                value = block.get(key)
                if isinstance(value, dict):
                    for operation in value.values():
                        parameters |= set(re.findall(r"\{([a-z-]+)\}", str(operation)))
    return parameters - {"deployment-id"}


def ownership_problems(text, parameters):
    found = []
    name = "policies/backend-policy.xml"
    try:
        section = etree.fromstring(apim_policy.mask(text).encode())
    except (etree.XMLSyntaxError, ValueError):
        return []  # reported with the sections
    codes = [code for _, code in apim_policy.expressions(text)]
    target = [code for code in codes if 'TryGetValue("' in code]
    if len(target) != 1:
        return found + [f"{name}: expected one expression that reads the addressed object from the route, found {len(target)}"]
    for parameter in sorted(parameters):
        if f'TryGetValue("{parameter}"' not in target[0]:
            found.append(f"{name}: operations address objects by {{{parameter}}} but the ownership check does not read it")
    if not re.search(r'catch \{ return "deny"; \}\s*$', target[0]):
        found.append(f'{name}: the addressed object, when it cannot be told, is not "deny"')
    for field in ("input_file_id", "previous_response_id"):
        if f'"{field}"' not in target[0]:
            found.append(f"{name}: a create call that points at another object by {field} is not checked")
    requests = section.findall(".//send-request")
    if len(requests) != 1:
        return found + [f"{name}: expected one send-request (the owner lookup), found {len(requests)}"]
    request = requests[0]
    timeout = request.get("timeout", "")
    if request.get("mode") != "new" or request.get("ignore-error") != "true" or not timeout.isdigit() or not 1 <= int(timeout) <= 10:
        found.append(f'{name}: the owner lookup is not mode="new", ignore-error="true" with a timeout of 1-10 s')
    if request.findtext("set-method", "").strip() != "GET":
        found.append(f"{name}: the owner lookup is not a GET")
    keys = [h for h in request.findall("set-header") if h.get("name", "").lower() == "x-functions-key"]
    if len(keys) != 1 or keys[0].findtext("value", "").strip() != "{{chargeback-function-key}}":
        found.append(f"{name}: the owner lookup does not send x-functions-key {{{{chargeback-function-key}}}}")
    if not re.search(r'"\{\{chargeback-owner-url\}\}\?kind=" \+ [^;]+ \+ "&id=" \+ Uri\.EscapeDataString\(', text):
        found.append(f"{name}: the owner lookup URL is not {{{{chargeback-owner-url}}}}?kind=<kind>&id=<url-encoded id>")
    lookups, stores = section.findall(".//cache-lookup-value"), section.findall(".//cache-store-value")
    keyed = re.findall(r'<cache-(?:lookup|store)-value key="@\("chargeback-owner-" \+ context\.Variables\.GetValueOrDefault<string>\("cb-owner-target", "deny"\)\)"', text)
    if len(lookups) != 1 or len(stores) != 1 or len(keyed) != 2:
        found.append(f'{name}: the owner is not looked up and stored once each under "chargeback-owner-" + kind|id')
    elif not stores[0].get("duration", "").isdigit() or not 1 <= int(stores[0].get("duration")) <= 3600:
        found.append(f"{name}: the owner cache duration is not 1-3600 s")
    store_guard = re.search(r'<when condition="@\(context\.Variables\.GetValueOrDefault<string>\("cb-owner", ""\) != ""\)">\s*<cache-store-value', text)
    if not store_guard:
        found.append(f"{name}: an unknown owner may be cached (only a found owner may be)")
    reader = [code for code in codes if '"cb-owner-response"' in code and "As<JObject>" in code]
    if len(reader) != 1 or "StatusCode != 200" not in reader[0] or "!= target" not in reader[0] or not re.search(r'catch \{ return ""; \}\s*$', reader[0]):
        found.append(f"{name}: the owner is not read only from a 200 about the very object asked for, or not empty on failure")
    verdict = [code for code in codes if "owner == context.Subscription.Id" in code]
    if len(verdict) != 1 or not re.search(r"catch \{ return false; \}\s*$", verdict[0]):
        found.append(f"{name}: the call is not allowed only when the owner is context.Subscription.Id (false on failure)")
    refusal = [w for w in section.iter("when") if w.get("condition") == "@EXPR" and w.find("return-response") is not None]
    deny_condition = re.search(r'<when condition="@\(!context\.Variables\.GetValueOrDefault<bool>\("cb-owner-allowed", false\)\)">\s*(?:<!--.*?-->\s*)?<return-response>', text, re.S)
    if len(refusal) != 1 or not deny_condition:
        found.append(f"{name}: the refusal does not answer whenever cb-owner-allowed is not true (fail closed)")
    for response in section.findall(".//return-response"):
        status = response.find("set-status")
        try:
            error = json.loads(response.findtext("set-body", "")).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        if status is None or status.get("code") != "404" or error.get("code") != "not_found":
            found.append(f'{name}: the refusal is not 404 {{"error":{{"code":"not_found",...}}}}')
    if not 0 <= text.find("<send-request") < text.find("<forward-request"):
        found.append(f"{name}: the ownership check does not run before forward-request")
    # APIM honours at most 240 s ("values greater than 240 seconds may not be honored"); the default
    # is 300, so every forward-request states its timeout (docs/clients.md, "Long calls").
    forwards = section.findall(".//forward-request")
    if not forwards:
        found.append(f"{name}: no forward-request")
    for forward in forwards:
        if forward.get("timeout-ms") == "@EXPR" and forward.get("timeout") is None:
            continue  # the relay's: checked by relay_problems
        timeout = forward.get("timeout", "")
        if not timeout.isdigit() or not 1 <= int(timeout) <= 240:
            found.append(f"{name}: a forward-request timeout is not 1-240 s (APIM does not honour more; the default is 300): {timeout!r}")
    return found


def relay_headers():
    """The x-chargeback-* headers the handler's relay reads (RelayFunction.swift)."""
    source = (root / "Sources/ChargebackApp/Functions/Relay/RelayFunction.swift").read_text()
    return set(re.findall(r'request\.header\("(x-chargeback-[a-z-]+)"\)', source))


def relay_problems(inbound_text, backend_text, outbound_text, on_error_text):
    """Relay mode (backend-policy.xml, section 3): only the streaming inference calls go to the relay,
    with the ingest key and every header the handler reads, never the gateway's token; anything but
    the relay's marked answer is retried once against Azure OpenAI as passthrough, with nothing of the
    relay's (key, headers) and the token back; no envelope for a relayed answer, and the marker is
    removed; an error in the relay attempt answers 503 + Retry-After and posts nothing."""
    found = []
    name = "policies/backend-policy.xml"
    mode = [code for kind, code in apim_policy.expressions(inbound_text) if "{{chargeback-stream-mode}}" in code]
    if len(mode) != 1 or not all(suffix in mode[0] for suffix in ('"/chat/completions"', '"/completions"', '"/responses"', '"relay"')):
        found.append("policies/inbound-policy.xml: cb-stream-mode does not limit relay to streamed chat completions, completions and Responses")
    try:
        section = etree.fromstring(apim_policy.mask(backend_text).encode())
    except (etree.XMLSyntaxError, ValueError):
        return found
    retries = [r for r in section.findall(".//retry") if r.find(".//forward-request") is not None]
    conditions = [code for kind, code in apim_policy.expressions(backend_text) if "x-chargeback-relay" in code and "cb-relay-attempt" in code]
    if len(retries) != 1 or retries[0].get("count") != "1" or len(conditions) != 1:
        return found + [f"{name}: relay mode has no single retry (count 1) conditioned on the relay's marker x-chargeback-relay"]
    retry = retries[0]
    forwards = retry.findall(".//forward-request")
    if len(forwards) != 1 or forwards[0].get("buffer-request-body") != "true" or forwards[0].get("buffer-response") != "false":
        found.append(f"{name}: the relay's retry does not hold one forward-request that buffers the request (for the retry) and streams the response")
    timeout = re.search(r'<forward-request timeout-ms="@\{(.*?)\}" buffer-request-body', backend_text, re.S)
    if not timeout or "{{chargeback-relay-head-timeout-ms}}" not in timeout.group(1) or "240000" not in timeout.group(1):
        found.append(f"{name}: the relay attempt's timeout-ms is not {{{{chargeback-relay-head-timeout-ms}}}}, or the fallback's not 240000")
    choose = retry.find("choose")
    branches = [] if choose is None else list(choose)
    if len(branches) != 2 or branches[0].tag != "when" or branches[1].tag != "otherwise":
        return found + [f"{name}: the relay's retry does not choose between the relay attempt and the fallback"]
    attempt, fallback = branches

    def headers(branch, action):
        return {e.get("name", "").lower(): e for e in branch.findall("set-header") if e.get("exists-action") == action}

    sent = headers(attempt, "override")
    if attempt.find("set-backend-service") is None or attempt.find("set-backend-service").get("base-url") != "{{chargeback-relay-url}}":
        found.append(f"{name}: the relay attempt does not set the backend to {{{{chargeback-relay-url}}}}")
    if "authorization" not in headers(attempt, "delete"):
        found.append(f"{name}: the relay attempt sends the gateway's token to the Function App (Authorization not deleted)")
    if "x-functions-key" not in sent or sent["x-functions-key"].findtext("value", "").strip() != "{{chargeback-function-key}}":
        found.append(f"{name}: the relay attempt does not send x-functions-key {{{{chargeback-function-key}}}}")
    for header in sorted(relay_headers() - set(sent)):
        found.append(f"{name}: the relay attempt does not set {header}, which the relay reads")
    dropped = headers(fallback, "delete")
    for header in sorted(set(sent) - set(dropped)):
        found.append(f"{name}: the fallback sends the relay's {header} to Azure OpenAI")
    service = fallback.find("set-backend-service")
    if service is None or service.get("backend-id") != "azure-openai":
        found.append(f"{name}: the fallback does not set the backend back to azure-openai")
    if "authorization" not in headers(fallback, "override"):
        found.append(f"{name}: the fallback does not set the gateway's token again")
    if not any(e.get("name") == "cb-stream-mode" and e.get("value") == "passthrough" for e in fallback.findall("set-variable")):
        found.append(f"{name}: the fallback is not counted as passthrough (cb-stream-mode)")
    if "cb-relayed" not in outbound_text or not re.search(r'<set-header name="x-chargeback-relay" exists-action="delete" />', outbound_text):
        found.append("policies/outbound-policy.xml: a relayed answer is posted as an envelope too, or the marker reaches the client")
    if not re.search(r'cb-relay-attempt.*\n\s*<return-response>\s*\n\s*<set-status code="503"', on_error_text) or "Retry-After" not in on_error_text:
        found.append("policies/on-error-policy.xml: an error in the relay attempt is not answered 503 with Retry-After")
    return found


problems += ownership_problems(apim_policy.section_text("backend"), operation_parameters())
problems += relay_problems(inbound_text, apim_policy.section_text("backend"), apim_policy.section_text("outbound"),
                           apim_policy.section_text("on-error"))

# 3. Guarded expressions, no keys.
for path in sorted(apim_policy.POLICY_DIR.glob("*.xml")):
    text = path.read_text()
    try:
        found_expressions = apim_policy.expressions(text)
    except ValueError as error:
        problems.append(f"{path.name}: the expressions cannot be delimited: {error}")
        found_expressions = []
    for kind, code in found_expressions:
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
named_values = {}  # name -> (resource address, count expression or None)
policy_dependencies = set()
local_values = []
terraform_text = ""
for path in sorted((root / "infrastructure").glob("*.tf")):
    terraform_text += path.read_text()
    document = apim_policy.hcl_load(path)
    for block in document.get("resource", []):
        for label, item in block.get("azurerm_api_management_named_value", {}).items():
            name = str(apim_policy.hcl_scalar(item.get("name")))
            declared.add(name)
            count = item.get("count")
            named_values[name] = (f"azurerm_api_management_named_value.{label}", None if count is None else str(apim_policy.hcl_scalar(count)))
        for item in block.get("azurerm_api_management_api_policy", {}).values():
            policy_dependencies |= {str(dependency).strip("${}") for dependency in item.get("depends_on", [])}
    for block in document.get("locals", []):
        local_values += [str(value) for key, value in block.items() if key != "__is_block__"]
for name in sorted(used - declared):
    problems.append(f"named value {{{{{name}}}}} is used in policies/ but not declared in infrastructure/")
for name in sorted(declared - used):
    problems.append(f"named value {name} is declared in infrastructure/ but no policy uses it")
for name in apim_policy.SECTIONS:
    if f"{name}-policy.xml" not in terraform_text:
        problems.append(f"infrastructure/ does not load policies/{name}-policy.xml")
# Each optional snippet: loaded by a local under a condition on a variable, and inserted by replace()
# at its marker. The named values only it uses are created under the same variable (count), the ones a
# section uses always; the policy depends on all of them.
gates = {}
for name, file_name, marker in apim_policy.SNIPPETS:
    loaders = [value for value in local_values if f"/{file_name}" in value]
    gate = re.search(r"var\.[A-Za-z0-9_]+", loaders[0]) if len(loaders) == 1 and "?" in loaders[0] else None
    if gate is None:
        problems.append(f"infrastructure/ does not load policies/{file_name} in one local under a condition on a variable")
    else:
        gates[name] = gate.group(0)
    if not any("replace(" in value and f'"{marker}"' in value for value in local_values):
        problems.append(f"infrastructure/ does not insert the {name} snippet at its marker {marker} with replace()")
users = {}
for path in apim_policy.POLICY_DIR.glob("*.xml"):
    for name in set(re.findall(r"\{\{([A-Za-z0-9._-]+)\}\}", path.read_text())):
        users.setdefault(name, set()).add(path.name[:-len("-policy.xml")])
for name, (address, count) in sorted(named_values.items()):
    files = users.get(name, set())
    if files & set(apim_policy.SECTIONS):
        if count is not None:
            problems.append(f"{address} ({name}) is created conditionally (count) but a section always uses it")
    else:
        for snippet in sorted(files):
            if snippet in gates and (count is None or gates[snippet] not in count):
                problems.append(f"{address} ({name}) is used only by the {snippet} snippet but not created under {gates[snippet]} (count)")
    if address not in policy_dependencies:
        problems.append(f"azurerm_api_management_api_policy does not depend on {address} ({name})")

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
        "responseBody": response, "responseBodyLength": len(response.encode()), "responseBodyTail": None,
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
        # Over the limit: the body is padded past 4 MiB, sent as null, and the usage comes from the tail.
        answer = json.loads(response)
        answer["choices"][0]["message"]["content"] = "x" * 4_300_000
        large = json.dumps(answer)
        over = dict(envelope, responseBody=None, responseBodyLength=len(large.encode()), responseBodyTail=large[-65536:])
        for error in jsonschema.Draft202012Validator(schema).iter_errors(over):
            problems.append(f"simulated over-the-limit envelope: {error.message}")
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(over, handle)
            handle.flush()
            run = subprocess.run([str(pathlib.Path(sys.argv[1]) / "chargeback"), "extract", handle.name], capture_output=True, text=True)
        if run.returncode != 0 or '"usageSource":"reported"' not in run.stdout.replace(" ", ""):
            problems.append(f"chargeback extract did not read the usage from responseBodyTail: {run.returncode} {run.stdout[:200]} {run.stderr[:200]}")

for problem in problems:
    print("check_policies:", problem, file=sys.stderr)
if not problems:
    print(f"check_policies: 4 sections well formed, {len(apim_policy.SNIPPETS)} optional snippets compose in every combination, "
          f"budget limit fails open and answers 429, envelopes carry the {len(contract)} contract fields (tail over the limit), "
          f"{len(used)} named values declared in Terraform, no key read or forwarded, identity encoding, no include_usage "
          f"with data_sources, objects served to their owner only (fail closed), relay mode falls back without its key or headers, "
          f"every block guarded")
sys.exit(1 if problems else 0)
