"""Checks infrastructure/ without Azure: every .tf and .tfvars parses (python-hcl2); checkov passes
with zero failed checks, and every check it skips is skipped inline with a reason; every setting the
handler reads is set in the Function App's app settings (or excluded below, with why) and documented
in the README; the deployments and teams in the environments exist in the price book and the
cost-center file, so nothing deployed is unpriced or unassigned. Trust at the boundary: APIM exposes an
explicit allow-list of metered operations (no wildcard, no listing, each documented), the unmetered
families only behind a variable that is off; the Function App admits only APIM (and listed ranges);
APIM's key is a generated ingest key in Key Vault whose SHA-256 is the handler's ingest role, distinct
from the generated report key, and neither is the app's default host key. Every argument of every azurerm
resource is in the pinned provider's schema (infrastructure/azurerm-schema.json)."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from apim_policy import hcl_load, hcl_scalar  # noqa: E402

root = pathlib.Path(__file__).resolve().parents[2]
infrastructure = root / "infrastructure"
problems = []

# Settings the handler reads that the Function App must NOT set, and why.
NOT_APP_SETTINGS = {
    "FUNCTIONS_CUSTOMHANDLER_PORT": "set by the Functions host for each start",
    "FUNCTIONS_CUSTOMHANDLER_WORKER_ID": "set by the Functions host",
    "FUNCTIONS_HTTPWORKER_PORT": "legacy name, set by older hosts",
    "FUNCTIONS_HTTPWORKER_ID": "legacy name, set by older hosts",
    "FUNCTIONS_APP_ROOT_PATH": "set by the Functions host",
    "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT": "read by the local functions-host only",
    "CHARGEBACK_BENCH_ROUTES": "serves a benchmark route; never in production",
    "REDIS_TLS_CA_FILE": "Azure's Redis services present a publicly trusted certificate: the system roots verify it",
    "TZDIR": "unset in Azure: the handler then reads the zoneinfo/ the package bundles beside the executable; an override for other builds",
    "IDENTITY_ENDPOINT": "set by App Service when the app has a managed identity (REDIS_AUTH=entra reads it)",
    "IDENTITY_HEADER": "set (and rotated) by App Service when the app has a managed identity; a secret, never an app setting",
    "REDIS_ENTRA_USER": "the token's oid claim is the identity's object id, Azure Managed Redis's AUTH user; an override for other setups",
    "REDIS_SENTINELS": "self-managed Redis only: Azure's Redis services fail over behind their one endpoint",
    "REDIS_SENTINEL_PRIMARY": "self-managed Redis only, with REDIS_SENTINELS",
    "CHARGEBACK_DURABILITY_REPLICAS": "default 1: Azure's high availability keeps one replica per primary",
}

documents = {}
for path in sorted([*infrastructure.rglob("*.tf"), *infrastructure.rglob("*.tfvars")]):
    try:
        documents[path.relative_to(root)] = hcl_load(path)
    except Exception as error:  # python-hcl2 raises lark errors of several kinds
        problems.append(f"{path.relative_to(root)}: does not parse: {error}")
if not any(str(p).endswith(".tf") for p in documents):
    problems.append("infrastructure/ has no .tf files")

# App settings the Terraform gives the handler.
settings = {}
for path, document in documents.items():
    for block in document.get("locals", []):
        if "handler_app_settings" in block:
            settings.update(hcl_scalar(block["handler_app_settings"]))
if not settings:
    problems.append("no locals.handler_app_settings in infrastructure/")
read = set()
# The handler is the `chargeback` executable and the targets it links (not the local host or the benchmarks).
handler_targets = ["chargeback", "ChargebackApp", "AzureIdentity", "ChargebackUseCases", "ChargebackRedis", "ChargebackSpool", "ChargebackCore", "RedisClient", "CurlClient",
                   "FunctionsProtocol", "JSONOutput", "CivilCalendar"]
for source in [file for target in handler_targets for file in (root / "Sources" / target).rglob("*.swift")]:
    text = source.read_text()
    read |= set(re.findall(r'environment\["([A-Z][A-Z0-9_]+)"\]', text))
    read |= set(re.findall(r'integer\("([A-Z][A-Z0-9_]+)"', text))
    read |= set(re.findall(r'\(\s*"([A-Z][A-Z0-9_]+)"\s*,\s*environment\s*\)', text))
readme = (root / "README.md").read_text()
for name in sorted(read - set(NOT_APP_SETTINGS)):
    if name not in settings:
        problems.append(f"the handler reads {name} but the Function App's app settings do not set it")
for name in sorted(set(settings)):
    if name in NOT_APP_SETTINGS:
        problems.append(f"the Function App sets {name}: {NOT_APP_SETTINGS[name]}")
    if f"`{name}`" not in readme:
        problems.append(f"app setting {name} is not documented in the README")
function_text = "".join(p.read_text() for p in infrastructure.glob("*.tf"))
if "handler_app_settings" not in re.sub(r"locals\s*{[^}]*handler_app_settings", "", function_text, count=1):
    problems.append("locals.handler_app_settings is defined but no resource uses it")
if "use_custom_runtime" not in function_text:
    problems.append("the Function App is not a custom handler (application_stack.use_custom_runtime)")

# Every argument and nested block of every azurerm resource and data source is in the pinned provider's
# schema (infrastructure/azurerm-schema.json, from its docs at the tag; scripts/lib/azurerm_schema.py).
import azurerm_schema  # noqa: E402

schema = json.loads(azurerm_schema.SCHEMA.read_text())
pinned = re.search(r'azurerm\s*=\s*{[^}]*version\s*=\s*"~>\s*([0-9.]+)"', (infrastructure / "versions.tf").read_text())
if not pinned or f"v{pinned.group(1)}" != schema["tag"]:
    problems.append(f"versions.tf pins azurerm {pinned.group(1) if pinned else '?'} but azurerm-schema.json is {schema['tag']}: regenerate it")
tf_documents = [document for path, document in documents.items() if str(path).endswith(".tf")]
problems += azurerm_schema.check(tf_documents, schema)
# The check can fail: a removed argument (4.x renamed it), an unknown nested argument, an unknown block.
probe = {"resource": [{"azurerm_key_vault": {"x": {"enable_rbac_authorization": True, "__is_block__": True}}},
                      {"azurerm_managed_redis": {"x": {"default_database": [{"eviction": "NoEviction", "__is_block__": True}],
                                                       "redis_configuration": [{"__is_block__": True}], "__is_block__": True}}}]}
if len(azurerm_schema.check([probe], schema)) != 3:
    problems.append(f"the azurerm schema check misses planted mistakes: {azurerm_schema.check([probe], schema)}")

# Environments: deployments are priced, teams have a cost center.
book = json.loads((root / "config/price-book.json").read_text())["deployments"]
centers = json.loads((root / "config/cost-centers.json").read_text())
for environment in ("dev", "prod"):
    path = pathlib.Path(f"infrastructure/environments/{environment}.tfvars")
    values = documents.get(path)
    if values is None:
        problems.append(f"{path} is missing")
        continue
    values = {key: hcl_scalar(value) for key, value in values.items()}
    for deployment in values.get("openai_deployments", {}):
        if deployment not in book:
            problems.append(f"{path}: deployment {deployment} is not in config/price-book.json (it would be unpriced)")
    for team, team_values in values.get("teams", {}).items():
        center = hcl_scalar(hcl_scalar(team_values).get("cost_center"))
        if centers["subscriptions"].get(team) != center:
            problems.append(f"{path}: team {team} is {center} but config/cost-centers.json maps it to {centers['subscriptions'].get(team)}")
    if not values.get("teams") or not values.get("openai_deployments"):
        problems.append(f"{path}: sets no teams or no deployments")

# The LibreChat snippet (docs/clients.md) against the prod deployments: every model key is the model
# of the deployment it names (LibreChat sizes the context window from the key: "gpt-41" would get
# gpt-4's 8k), every deploymentName is deployed, and titleModel is a model key of a group.
def librechat_problems(prod_deployments):
    import yaml  # PyYAML: installed by scripts/test with the workflow checks
    found = []
    text = (root / "docs/clients.md").read_text()
    section = text.split("## LibreChat", 1)[-1]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    if not match:
        return ["docs/clients.md: no LibreChat YAML snippet"]
    azure = (yaml.safe_load(match.group(1)) or {}).get("endpoints", {}).get("azureOpenAI", {})
    keys = set()
    for group in azure.get("groups", []):
        for key, model in (group.get("models") or {}).items():
            keys.add(key)
            name = (model or {}).get("deploymentName") if isinstance(model, dict) else None
            deployed = prod_deployments.get(name)
            if deployed is None:
                found.append(f"docs/clients.md: LibreChat model {key} names deployment {name}, which the prod tfvars do not deploy")
            elif hcl_scalar(hcl_scalar(deployed).get("model_name")) != key:
                found.append(f"docs/clients.md: LibreChat model key {key} is not the model of deployment {name} "
                             f"({hcl_scalar(hcl_scalar(deployed).get('model_name'))}): LibreChat sizes the context by the key")
    if azure.get("titleModel") not in keys:
        found.append(f"docs/clients.md: LibreChat titleModel {azure.get('titleModel')} is not a model key of a group")
    return found


prod = documents.get(pathlib.Path("infrastructure/environments/prod.tfvars")) or {}
prod_deployments = hcl_scalar(prod.get("openai_deployments", {})) or {}
problems += librechat_problems(prod_deployments)
planted = librechat_problems({})
if not planted:
    problems.append("the LibreChat snippet check misses a deployment that does not exist")

# Trust at the boundary (docs/deployment.md). Helpers over every parsed .tf file.
def tf_blocks(kind, section="resource"):
    """{label: body} of every `section "kind" "label"` block in infrastructure/*.tf (for a variable,
    whose block has one label, the body itself)."""
    found = {}
    for path, document in documents.items():
        if str(path).endswith(".tf"):
            for block in document.get(section, []):
                found.update(block.get(kind, {}))
    return found


def tf_local(name):
    for path, document in documents.items():
        for block in document.get("locals", []):
            if name in block:
                return block[name]
    return None


def text(value):
    return json.dumps(value) if not isinstance(value, str) else value


# 1. Operations: an explicit allow-list (no wildcard: a request that matches nothing is APIM's 404),
# listings left out (they would show every team's objects), the unmetered families only behind
# enable_unmetered_operations = false. Each operation is documented in docs/deployment.md.
REQUIRED_OPERATIONS = {f"{method} {prefix}{path}" for prefix in ("/deployments/{deployment-id}", "/v1") for method, path in [
    ("POST", "/chat/completions"), ("POST", "/completions"), ("POST", "/embeddings"), ("POST", "/images/generations"),
    ("POST", "/images/edits"), ("POST", "/audio/transcriptions"), ("POST", "/audio/translations"), ("POST", "/audio/speech")]}
REQUIRED_OPERATIONS |= {f"{method} {prefix}{path}" for prefix in ("", "/v1") for method, path in [
    ("POST", "/responses"), ("GET", "/responses/{response-id}"), ("DELETE", "/responses/{response-id}"),
    ("GET", "/responses/{response-id}/input_items"), ("POST", "/batches"), ("GET", "/batches/{batch-id}"),
    ("POST", "/batches/{batch-id}/cancel"), ("POST", "/files"), ("GET", "/files/{file-id}"),
    ("GET", "/files/{file-id}/content"), ("DELETE", "/files/{file-id}")]}
metered = tf_local("metered_operations")
deployment_doc = (root / "docs/deployment.md").read_text()
if not isinstance(metered, dict) or not metered:
    problems.append("infrastructure/: no locals.metered_operations map (operation id => \"METHOD template\")")
    metered = {}
for operation, value in metered.items():
    method, _, template = str(value).partition(" ")
    if "*" in template or method not in ("GET", "POST", "DELETE") or not template.startswith("/"):
        problems.append(f"metered operation {operation} ({value}) is not one method and one template without a wildcard")
    if method == "GET" and not set(re.findall(r"\{([a-z-]+)\}", template)) - {"deployment-id"}:
        problems.append(f"metered operation {operation} ({value}) is a listing: a GET must address one object by id")
    if f"`{method} /openai{template}`" not in deployment_doc:
        problems.append(f"metered operation {operation} (`{method} /openai{template}`) is not listed in docs/deployment.md")
for missing in sorted(REQUIRED_OPERATIONS - set(metered.values())):
    problems.append(f"the metered operation {missing} is not in locals.metered_operations")
operations = tf_blocks("azurerm_api_management_api_operation")
if set(operations) != {"openai", "openai_compat"} or text(operations["openai"].get("for_each")) != "${local.openai_operations}":
    problems.append("the API's operations are not one azurerm_api_management_api_operation.openai over local.openai_operations "
                    "(and openai_compat over local.compat_operations)")
# The OpenAI-style API (apim-compat.tf): its operations are the compat map, each rewritten to a metered
# v1 operation of the same method (so it is metered and allowed exactly like that one), documented.
if "openai_compat" in operations and text(operations["openai_compat"].get("for_each")) != "${local.compat_operations}":
    problems.append("azurerm_api_management_api_operation.openai_compat is not over local.compat_operations")
for operation, spec in (tf_local("compat_operations") or {}).items():
    spec = hcl_scalar(spec)
    method, _, template = str(spec.get("route")).partition(" ")
    if f"{method} {spec.get('backend')}" not in metered.values():
        problems.append(f"compat operation {operation} is rewritten to {method} {spec.get('backend')}, which is no metered operation")
    if f"`{method} /api/v1/openai{template}`" not in deployment_doc:
        problems.append(f"compat operation {operation} (`{method} /api/v1/openai{template}`) is not listed in docs/deployment.md")
if not re.fullmatch(r"\$\{merge\(local\.metered_operations, var\.enable_unmetered_operations \? local\.unmetered_operations : \{\}\)\}",
                    text(tf_local("openai_operations"))):
    problems.append("local.openai_operations is not merge(local.metered_operations, var.enable_unmetered_operations ? local.unmetered_operations : {})")
unmetered_switch = tf_blocks("enable_unmetered_operations", "variable")
if unmetered_switch.get("default") is not False:
    problems.append("variable enable_unmetered_operations is missing or not false by default")
for path, document in documents.items():
    if document.get("enable_unmetered_operations") is True:
        problems.append(f"{path}: enable_unmetered_operations = true (unpriced, no ownership check: see docs/deployment.md)")

# 2. Network: the Function App's unmatched rule denies; its allow rules are APIM's own public IPs
# (or, on tiers without one, the ApiManagement tag) and function_allowed_ip_ranges; nothing wide open.
apps = tf_blocks("azurerm_linux_function_app")
site = hcl_scalar(apps.get("main", {}).get("site_config", [{}])) or {}
rules = text(tf_local("function_ip_rules"))
dynamic_rules = [d.get("ip_restriction") for d in site.get("dynamic", []) if "ip_restriction" in d]
if site.get("ip_restriction_default_action") != "Deny":
    problems.append("the Function App's ip_restriction_default_action is not Deny (anyone could call it)")
if len(dynamic_rules) != 1 or text(dynamic_rules[0].get("for_each")) != "${local.function_ip_rules}" or site.get("ip_restriction"):
    problems.append("the Function App's ip_restriction rules are not the one dynamic block over local.function_ip_rules")
if "azurerm_api_management.main.public_ip_addresses" not in rules or 'service_tag = "ApiManagement"' not in rules:
    problems.append("local.function_ip_rules does not allow APIM's public IPs (or, without them, the ApiManagement tag)")
for wide in ("0.0.0.0/0", "::/0", '"Internet"', '"AzureCloud"', "*"):
    if wide in rules:
        problems.append(f"local.function_ip_rules allows {wide}")
if site.get("scm_use_main_ip_restriction") is not False or "scm_ip_restriction_default_action" not in site:
    problems.append("the SCM site's access is not decided on its own (scm_use_main_ip_restriction = false, scm_ip_restriction_default_action)")

# 3. Keys: APIM's key is a generated ingest key (Key Vault → named value), registered with the host and
# hashed into CHARGEBACK_INGEST_KEY_SHA256; the report key is another one; no default host key anywhere.
if tf_blocks("azurerm_function_app_host_keys", "data"):
    problems.append("infrastructure/ reads the app's host keys (azurerm_function_app_host_keys): the default key reads every report")
named = {str(hcl_scalar(v.get("name"))): v for v in tf_blocks("azurerm_api_management_named_value").values()}
vault_ref = text(hcl_scalar(named.get("chargeback-function-key", {}).get("value_from_key_vault", [{}])).get("secret_id"))
secret = re.fullmatch(r"\$\{azurerm_key_vault_secret\.([a-z_]+)\.versionless_id\}", vault_ref)
secrets = tf_blocks("azurerm_key_vault_secret")
ingest = re.fullmatch(r"\$\{random_password\.([a-z_]+)\.result\}", text(secrets.get(secret.group(1), {}).get("value"))) if secret else None
if not ingest:
    problems.append("the chargeback-function-key named value is not a Key Vault secret holding a random_password")
else:
    key = ingest.group(1)
    if settings.get("CHARGEBACK_INGEST_KEY_SHA256") != f"${{nonsensitive(sha256(random_password.{key}.result))}}":
        problems.append(f"CHARGEBACK_INGEST_KEY_SHA256 is not sha256(random_password.{key}.result), the key APIM holds")
    report = re.fullmatch(r"\$\{nonsensitive\(sha256\(random_password\.([a-z_]+)\.result\)\)\}", str(settings.get("CHARGEBACK_REPORT_KEY_SHA256", "")))
    if not report or report.group(1) == key:
        problems.append("CHARGEBACK_REPORT_KEY_SHA256 is not the sha256 of a generated report key distinct from the ingest key")
    registered = text(tf_local("function_keys"))
    actions = [a for a in tf_blocks("azapi_resource_action").values() if "functionKeys" in text(a.get("action"))]
    for name in [key] + ([report.group(1)] if report else []):
        if f"random_password.{name}.result" not in registered:
            problems.append(f"random_password.{name} is not registered with the Functions host (locals.function_keys)")
    if len(actions) != 1 or actions[0].get("method") != "PUT" or "body" in actions[0] \
            or "${local.function_keys[each.key]}" not in text(actions[0].get("sensitive_body")):
        problems.append("the keys are not PUT to host/default/functionKeys by one azapi_resource_action with a write-only sensitive_body")

# Provider pinned to 4.x.
versions = "".join(p.read_text() for p in infrastructure.glob("*.tf"))
if not re.search(r'source\s*=\s*"hashicorp/azurerm"\s*\n\s*version\s*=\s*"[~=> ]*4\.\d+', versions):
    problems.append("azurerm is not pinned to a 4.x version in required_providers")

# Alerts and workbook: every log message a KQL query filters on (alerts.tf's heredocs, workbook.json's
# queries) is one the handler logs, verbatim, and every dotted key it reads (j["error.code"]) is one the
# handler writes; otherwise a renamed log line would silence an alert without failing anything.
handler_text = "\n".join(file.read_text() for target in handler_targets for file in (root / "Sources" / target).rglob("*.swift"))
logged = set()
for pattern in (r'logger\.(?:trace|debug|info|notice|warning|error|critical)\(\s*"((?:[^"\\]|\\.)*)"',
                r'logger\.log\(\s*level:[^,]+,\s*"((?:[^"\\]|\\.)*)"'):
    logged |= set(re.findall(pattern, handler_text))
queries = []  # (where, KQL text)
for path in sorted(infrastructure.glob("*.tf")):
    queries += [(str(path.relative_to(root)), body) for body in re.findall(r"<<-?KQL\n(.*?)\n\s*KQL\n", path.read_text(), re.S)]
workbook_path = infrastructure / "workbook.json"
if workbook_path.exists():
    try:
        workbook = json.loads(workbook_path.read_text().replace("${workspace_id}", "/subscriptions/0/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/log"))
    except ValueError as error:
        workbook = {}
        problems.append(f"infrastructure/workbook.json is not valid JSON: {error}")
    if workbook and workbook.get("version") != "Notebook/1.0":
        problems.append("infrastructure/workbook.json: version is not Notebook/1.0")

    def workbook_items(items):
        for item in items:
            yield item
            yield from workbook_items(item.get("content", {}).get("items", []))

    for item in workbook_items(workbook.get("items", [])):
        if item.get("type") == 3:
            queries.append((f"infrastructure/workbook.json ({item.get('name')})", item["content"]["query"]))
# The parsed message field: `message` (tostring(j.message)), j.message, j["message"], or the raw Message.
MESSAGE_FIELD = r'(?i:\bj\s*\.\s*message\b|\bj\s*\[\s*"message"\s*\]|\bmessage\b)\)?\s*'
STRING = r'"((?:[^"\\]|\\.)*)"'
message_filters = 0
for where, query in queries:
    found = [(operator, text) for operator, text in re.findall(MESSAGE_FIELD + r'(==|=~|!=|!~|!?has(?:_cs)?|!?contains(?:_cs)?|startswith(?:_cs)?|endswith(?:_cs)?)\s*' + STRING, query)]
    for operator, values in re.findall(MESSAGE_FIELD + r'(!?in~?|has_any|has_all)\s*\(([^)]*)\)', query):
        found += [(operator, text) for text in re.findall(STRING, values)]
    message_filters += len(found)
    for operator, text in found:
        if operator in ("==", "!=", "in", "!in"):
            ok = text in logged
        elif operator in ("=~", "!~", "in~", "!in~"):
            ok = text.lower() in {message.lower() for message in logged}
        elif operator.endswith("_cs"):
            ok = any(text in message for message in logged)
        else:
            ok = any(text.lower() in message.lower() for message in logged)
        if not ok:
            problems.append(f'{where}: filters on log message "{text}" ({operator}), which no logger. call in the handler\'s Sources logs')
    for key in re.findall(r'\bj\s*\[\s*"([^"]+\.[^"]+)"\s*\]', query):
        if f'"{key}"' not in handler_text:
            problems.append(f'{where}: reads the log key "{key}", which the handler\'s Sources never write')
if (infrastructure / "alerts.tf").exists() and message_filters == 0:
    problems.append("infrastructure/alerts.tf: found no KQL filter on a log message (did the query layout change?)")

# checkov: zero failed checks; every skip inline with a reason.
checkov = shutil.which("checkov")
if checkov is None:
    problems.append("checkov is not installed")
else:
    # checkov brings its own fork of hcl2: it must not see the python-hcl2 that PYTHONPATH points at.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([checkov, "-d", str(infrastructure), "--framework", "terraform", "--compact",
                          "--output", "json", "--skip-download"], capture_output=True, text=True, env=environment)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        report = None
        problems.append(f"checkov gave no JSON report (exit {run.returncode}): {run.stderr[-400:]}")
    if report is not None:
        reports = report if isinstance(report, list) else [report]
        summary = {"passed": 0, "failed": 0, "skipped": 0}
        skip_table = (root / "docs/deployment.md").read_text()
        for item in reports:
            for key in summary:
                summary[key] += item.get("summary", {}).get(key, 0)
            for check in item.get("results", {}).get("failed_checks", []):
                problems.append(f"checkov {check['check_id']} failed on {check['resource']} ({check['file_path']}:{check['file_line_range'][0]}): {check['check_name']}")
            for check in item.get("results", {}).get("skipped_checks", []):
                reason = (check.get("check_result", {}).get("suppress_comment") or "").strip()
                if len(reason) < 15 or reason.lower().startswith("no comment"):
                    problems.append(f"checkov skip {check['check_id']} on {check['resource']} has no reason")
                if f"`{check['resource']}` | {check['check_id']} |" not in skip_table:
                    problems.append(f"checkov skip {check['check_id']} on {check['resource']} is not listed in docs/deployment.md")
        print(f"check_infrastructure: checkov passed {summary['passed']}, failed {summary['failed']}, skipped {summary['skipped']} (each with its reason)")
        if summary["passed"] < 20:
            problems.append(f"checkov ran only {summary['passed']} checks: did it read the Terraform?")

terraform = shutil.which("terraform")
if terraform:
    run = subprocess.run([terraform, "fmt", "-check", "-recursive", str(infrastructure)], capture_output=True, text=True)
    if run.returncode != 0:
        problems.append(f"terraform fmt would change: {run.stdout.strip()}")

for problem in problems:
    print("check_infrastructure:", problem, file=sys.stderr)
if not problems:
    print(f"check_infrastructure: {len(documents)} files parse, {len(settings)} app settings cover what the handler reads, "
          "environments priced and assigned")
sys.exit(1 if problems else 0)
