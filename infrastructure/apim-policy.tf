# The azure-openai API's policy, composed from policies/*.xml, and the named values it reads.
#
# The azurerm provider sends xml_content with format "rawxml" (PolicyContentFormatRawxml in
# internal/services/apimanagement/api_management_api_policy_resource.go; xml_link uses
# "rawxml-link"), so APIM takes the document as is: the policies' raw C# expressions (@(...),
# @{...}) need no XML escaping. The same composition is reproduced by scripts/lib/apim_policy.py.

# Declared here rather than in variables.tf: they only concern this policy.
variable "budget_limit_enabled" {
  description = "Insert policies/budget-limit-policy.xml at its marker in the inbound section: answer 429 (fail open, cached) for a subscription over a hard budget limit (budget-status). Creates the chargeback-budget-* named values."
  type        = bool
  default     = false
}

variable "budget_limit_cache_seconds" {
  description = "Named value chargeback-budget-cache-seconds: how long APIM keeps a subscription's budget verdict (the delay before a crossed or raised hard limit takes effect). Used only with budget_limit_enabled."
  type        = number
  default     = 60

  validation {
    condition     = var.budget_limit_cache_seconds >= 1 && var.budget_limit_cache_seconds <= 3600 && floor(var.budget_limit_cache_seconds) == var.budget_limit_cache_seconds
    error_message = "budget_limit_cache_seconds must be a whole number from 1 to 3600."
  }
}

variable "budget_limit_timeout_seconds" {
  description = "Named value chargeback-budget-timeout-seconds: how long APIM waits for budget-status before letting the call through (fail open). Used only with budget_limit_enabled."
  type        = number
  default     = 5

  validation {
    condition     = var.budget_limit_timeout_seconds >= 1 && var.budget_limit_timeout_seconds <= 30 && floor(var.budget_limit_timeout_seconds) == var.budget_limit_timeout_seconds
    error_message = "budget_limit_timeout_seconds must be a whole number from 1 to 30."
  }
}

locals {
  policy_dir           = "${path.module}/../policies"
  token_limit_snippet  = var.tokens_per_minute > 0 ? file("${local.policy_dir}/token-limit-policy.xml") : ""
  budget_limit_snippet = var.budget_limit_enabled ? file("${local.policy_dir}/budget-limit-policy.xml") : ""
  inbound_policy = replace(
    replace(file("${local.policy_dir}/inbound-policy.xml"), "<!-- @token-limit -->", local.token_limit_snippet),
    "<!-- @budget-limit -->", local.budget_limit_snippet,
  )
  api_policy = join("\n", [
    "<policies>",
    local.inbound_policy,
    file("${local.policy_dir}/backend-policy.xml"),
    file("${local.policy_dir}/outbound-policy.xml"),
    file("${local.policy_dir}/on-error-policy.xml"),
    "</policies>",
  ])
}

resource "azurerm_api_management_api_policy" "openai" {
  api_name            = azurerm_api_management_api.openai.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  xml_content         = local.api_policy

  # The policy names the backend and the named values; they must exist first.
  depends_on = [
    azurerm_api_management_backend.openai,
    azurerm_api_management_named_value.function_url,
    azurerm_api_management_named_value.function_key,
    azurerm_api_management_named_value.owner_url,
    azurerm_api_management_named_value.stream_mode,
    azurerm_api_management_named_value.relay_url,
    azurerm_api_management_named_value.relay_head_timeout_ms,
    azurerm_api_management_named_value.max_body_bytes,
    azurerm_api_management_named_value.tokens_per_minute,
    azurerm_api_management_named_value.budget_status_url,
    azurerm_api_management_named_value.budget_cache_seconds,
    azurerm_api_management_named_value.budget_timeout_seconds,
  ]
}

# Named values: one resource each with a literal name (scripts/lib/check_policies.py matches them
# against the {{...}} the policies use).

resource "azurerm_api_management_named_value" "function_url" {
  name                = "chargeback-function-url"
  display_name        = "chargeback-function-url"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = "https://${azurerm_linux_function_app.main.default_hostname}/api/v1/ingest"
}

# The ingest key (function-keys.tf), read from Key Vault by APIM's identity (versionless: a rotated
# key is picked up). Sent as x-functions-key to ingest, the owner lookup and budget-status.
resource "azurerm_api_management_named_value" "function_key" {
  name                = "chargeback-function-key"
  display_name        = "chargeback-function-key"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  secret              = true

  value_from_key_vault {
    secret_id = azurerm_key_vault_secret.ingest_key.versionless_id
  }

  # The host must know the key before APIM sends it.
  depends_on = [time_sleep.apim_kv_rbac, azapi_resource_action.function_key]
}

# The owner lookup of backend-policy.xml (Ownership): GET ?kind=file|batch|response&id=<object id>.
resource "azurerm_api_management_named_value" "owner_url" {
  name                = "chargeback-owner-url"
  display_name        = "chargeback-owner-url"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = "https://${azurerm_linux_function_app.main.default_hostname}/api/v1/owner"
}

resource "azurerm_api_management_named_value" "stream_mode" {
  name                = "chargeback-stream-mode"
  display_name        = "chargeback-stream-mode"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = var.stream_mode
}

# Relay mode (backend-policy.xml, section 3). Declared in every mode: the policy names them in every
# mode, and they are read only when stream_mode is relay. APIM appends the operation's path to the
# relay URL (the relay's route is v1/relay/{*rest} for it).
resource "azurerm_api_management_named_value" "relay_url" {
  name                = "chargeback-relay-url"
  display_name        = "chargeback-relay-url"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = "https://${azurerm_linux_function_app.main.default_hostname}/api/v1/relay"
}

resource "azurerm_api_management_named_value" "relay_head_timeout_ms" {
  name                = "chargeback-relay-head-timeout-ms"
  display_name        = "chargeback-relay-head-timeout-ms"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = tostring(var.relay_head_timeout_ms)
}

resource "azurerm_api_management_named_value" "max_body_bytes" {
  name                = "chargeback-max-body-bytes"
  display_name        = "chargeback-max-body-bytes"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = tostring(var.max_body_bytes)
}

# Only with a token limit: the snippet that reads it is inserted only then.
resource "azurerm_api_management_named_value" "tokens_per_minute" {
  count = var.tokens_per_minute > 0 ? 1 : 0

  name                = "chargeback-tokens-per-minute"
  display_name        = "chargeback-tokens-per-minute"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = tostring(var.tokens_per_minute)
}

# Only with the budget limit: the snippet that reads them is inserted only then.
resource "azurerm_api_management_named_value" "budget_status_url" {
  count = var.budget_limit_enabled ? 1 : 0

  name                = "chargeback-budget-status-url"
  display_name        = "chargeback-budget-status-url"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = "https://${azurerm_linux_function_app.main.default_hostname}/api/v1/budget/status"
}

resource "azurerm_api_management_named_value" "budget_cache_seconds" {
  count = var.budget_limit_enabled ? 1 : 0

  name                = "chargeback-budget-cache-seconds"
  display_name        = "chargeback-budget-cache-seconds"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = tostring(var.budget_limit_cache_seconds)
}

resource "azurerm_api_management_named_value" "budget_timeout_seconds" {
  count = var.budget_limit_enabled ? 1 : 0

  name                = "chargeback-budget-timeout-seconds"
  display_name        = "chargeback-budget-timeout-seconds"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = tostring(var.budget_limit_timeout_seconds)
}
