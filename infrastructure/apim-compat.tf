# The brief's client surface: POST /api/v1/openai/chat/completions, the OpenAI-style path where the
# body's `model` names the deployment (an OpenAI SDK with base_url <gateway>/api/v1/openai and the
# subscription key as `api-key`; docs/clients.md). A second API on the same gateway, with the same
# API policy (so the same metering, limits and envelope), one operation, and a rewrite to the v1 API
# of Azure OpenAI: the backend sees /openai/v1/chat/completions. The envelope keeps the path the
# client called (context.Request.OriginalUrl); the handler meters it as chat (Operation.swift).
resource "azurerm_api_management_api" "openai_compat" {
  name                  = "openai-compat"
  api_management_name   = azurerm_api_management.main.name
  resource_group_name   = azurerm_resource_group.main.name
  revision              = "1"
  display_name          = "OpenAI-style chat completions"
  path                  = "api/v1/openai"
  protocols             = ["https"]
  service_url           = local.openai_backend_url
  subscription_required = true

  subscription_key_parameter_names {
    header = "api-key"
    query  = "api-key"
  }
}

locals {
  # operation id => "METHOD url template", relative to the API path (/api/v1/openai), and where
  # the backend (Azure OpenAI's /openai) gets it.
  compat_operations = {
    "compat-chat-completions" = { route = "POST /chat/completions", backend = "/v1/chat/completions" }
  }
}

resource "azurerm_api_management_api_operation" "openai_compat" {
  for_each = local.compat_operations

  operation_id        = each.key
  api_name            = azurerm_api_management_api.openai_compat.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  display_name        = each.key
  method              = split(" ", each.value.route)[0]
  url_template        = split(" ", each.value.route)[1]
}

# The API policy runs first (<base />); then the path is rewritten for the v1 API of Azure OpenAI.
resource "azurerm_api_management_api_operation_policy" "openai_compat" {
  for_each = local.compat_operations

  api_name            = azurerm_api_management_api.openai_compat.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  operation_id        = azurerm_api_management_api_operation.openai_compat[each.key].operation_id
  xml_content         = <<-XML
    <policies>
      <inbound>
        <base />
        <rewrite-uri template="${each.value.backend}" copy-unmatched-params="true" />
      </inbound>
      <backend><base /></backend>
      <outbound><base /></outbound>
      <on-error><base /></on-error>
    </policies>
  XML
}

resource "azurerm_api_management_api_policy" "openai_compat" {
  api_name            = azurerm_api_management_api.openai_compat.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  xml_content         = local.api_policy

  depends_on = [azurerm_api_management_api_policy.openai]
}

resource "azurerm_api_management_product_api" "openai_compat" {
  product_id          = azurerm_api_management_product.chargeback.product_id
  api_name            = azurerm_api_management_api.openai_compat.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
}
