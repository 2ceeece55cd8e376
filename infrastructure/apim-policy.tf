# The azure-openai API's policy, composed from policies/*.xml, and the named values it reads.
#
# The azurerm provider sends xml_content with format "rawxml" (PolicyContentFormatRawxml in
# internal/services/apimanagement/api_management_api_policy_resource.go; xml_link uses
# "rawxml-link"), so APIM takes the document as is: the policies' raw C# expressions (@(...),
# @{...}) need no XML escaping. The same composition is reproduced by scripts/lib/apim_policy.py.
locals {
  policy_dir          = "${path.module}/../policies"
  token_limit_snippet = var.tokens_per_minute > 0 ? file("${local.policy_dir}/token-limit-policy.xml") : ""
  api_policy = join("\n", [
    "<policies>",
    replace(file("${local.policy_dir}/inbound-policy.xml"), "<!-- @token-limit -->", local.token_limit_snippet),
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
    azurerm_api_management_named_value.stream_mode,
    azurerm_api_management_named_value.max_body_bytes,
    azurerm_api_management_named_value.tokens_per_minute,
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

# Secret, read from Key Vault by APIM's identity (versionless: a new key version is picked up).
resource "azurerm_api_management_named_value" "function_key" {
  name                = "chargeback-function-key"
  display_name        = "chargeback-function-key"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  secret              = true

  value_from_key_vault {
    secret_id = azurerm_key_vault_secret.function_key.versionless_id
  }

  depends_on = [time_sleep.apim_kv_rbac]
}

resource "azurerm_api_management_named_value" "stream_mode" {
  name                = "chargeback-stream-mode"
  display_name        = "chargeback-stream-mode"
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  value               = var.stream_mode
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
