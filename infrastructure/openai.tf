# Azure OpenAI account and its model deployments. Keys are off: APIM authenticates with its
# managed identity (Cognitive Services OpenAI User). Deployment names are price-book keys.
resource "azurerm_cognitive_account" "openai" {
  #checkov:skip=CKV_AZURE_134:no VNet in this template: APIM reaches Azure OpenAI over its public endpoint; key auth is disabled, so only Entra identities with an OpenAI role get in
  #checkov:skip=CKV2_AZURE_22:Microsoft-managed encryption keys: the template only serves inference (no files, fine-tuning or stored data it creates); a customer-managed key would need its own Key Vault key and rotation
  #checkov:skip=CKV_AZURE_247:outbound restriction (outbound_network_access_restricted + fqdns) would stop the service fetching image_url inputs for vision models; no On Your Data sources are configured here
  name                          = local.names.openai
  location                      = local.openai_location
  resource_group_name           = azurerm_resource_group.main.name
  kind                          = "OpenAI"
  sku_name                      = "S0"
  custom_subdomain_name         = local.names.openai
  local_auth_enabled            = false
  public_network_access_enabled = true

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

resource "azurerm_cognitive_deployment" "main" {
  for_each = var.openai_deployments

  name                   = each.key
  cognitive_account_id   = azurerm_cognitive_account.openai.id
  version_upgrade_option = var.openai_version_upgrade_option

  model {
    format  = "OpenAI"
    name    = each.value.model_name
    version = each.value.model_version
  }

  sku {
    name     = each.value.sku_name
    capacity = each.value.capacity
  }
}

resource "azurerm_role_assignment" "apim_openai_user" {
  scope                            = azurerm_cognitive_account.openai.id
  role_definition_name             = "Cognitive Services OpenAI User"
  principal_id                     = azurerm_api_management.main.identity[0].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# Relay mode: the Function App's relay calls Azure OpenAI as the app's user-assigned identity
# (Microsoft Entra ID authentication; "Cognitive Services OpenAI User" is the least role that may
# call inference). Only in relay mode: otherwise the app has no business on Azure OpenAI.
resource "azurerm_role_assignment" "function_openai_user" {
  count                            = var.stream_mode == "relay" ? 1 : 0
  scope                            = azurerm_cognitive_account.openai.id
  role_definition_name             = "Cognitive Services OpenAI User"
  principal_id                     = azurerm_user_assigned_identity.function.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}
