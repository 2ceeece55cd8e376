# The two keys of the Function App, each with one role, generated here and kept in Key Vault:
# - the ingest key, held by APIM (named value chargeback-function-key): ingest, the owner lookup
#   and budget-status;
# - a full-access report key for finance and operators (chargeback-report-key): the reports and
#   the metrics.
# The handler knows them only by SHA-256 (CHARGEBACK_INGEST_KEY_SHA256, CHARGEBACK_REPORT_KEY_SHA256,
# app-settings.tf) and refuses any other key, the default host key and the master key included
# (Sources/ChargebackApp/Access/KeyRoles.swift). So the ingest key reads no report, and a report key
# cannot post usage. Rotation: terraform apply -replace=random_password.ingest_key (or report_key)
# updates the key in the host, the secret and the hash in one apply.
#
# Why host-level named keys (host/default/functionKeys/<name>) and not function-level keys of
# `ingest`: a function key "allows access only to a specific function endpoint", a host key "to all
# function endpoints in a function app" (https://learn.microsoft.com/azure/azure-functions/
# function-keys-how-to, Understand keys), so a key of `ingest` would be refused by the host for
# `owner` (and budget-status); one secret set as a function key of each would need one key resource
# per function. Besides, azurerm 4.81 has no resource that creates a function key (only the
# azurerm_function_app_host_keys data source), and the ARM call for a function-level key
# (sites/functions/keys) is refused with 404 until that function exists
# (Azure/azure-functions-host src/WebJobs.Script.WebHost/Controllers/KeysController.cs,
# AddOrUpdateSecretAsync: `!IsFunction(keyScope)` → NotFound), i.e. until scripts/deploy.sh has
# deployed the code (image or zip), after terraform apply. A host key exists as soon as the host runs, so
# one apply is enough; the role boundary is the handler's hash check.
# The PUT is ARM's WebApps_CreateOrUpdateHostSecret,
# /sites/{name}/host/default/{keyType}/{keyName} with {"properties": {"name", "value"}}. The value is
# a write-only argument (sensitive_body, azapi >= 2.11, Terraform >= 1.11): it is not stored in the
# action's state; azapi re-sends it when it changes.

resource "random_password" "ingest_key" {
  # Letters and digits only: a key travels in a header or ?code=, and the handler refuses a comma.
  length  = 48
  special = false
}

resource "random_password" "report_key" {
  length  = 48
  special = false
}

locals {
  function_keys = {
    "apim-ingest" = random_password.ingest_key.result
    "report"      = random_password.report_key.result
  }
}

resource "azapi_resource_action" "function_key" {
  for_each = toset(keys(local.function_keys))

  type        = "Microsoft.Web/sites@2024-04-01"
  resource_id = azurerm_linux_function_app.main.id
  action      = "host/default/functionKeys/${each.key}"
  method      = "PUT"
  sensitive_body = {
    properties = {
      name  = each.key
      value = local.function_keys[each.key]
    }
  }

  # A new app's host can take a few minutes to answer key calls (the azurerm host keys data source
  # this replaces retried for the same reason).
  retry = {
    error_message_regex = ["(?i)host runtime", "(?i)service ?unavailable", "(?i)bad ?gateway", "(?i)too many requests"]
  }
}
