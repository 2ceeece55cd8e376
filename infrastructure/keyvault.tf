# Key Vault (RBAC authorization, purge protection, soft delete) holding the secrets: the Redis
# connection string (Azure Cache for Redis only; function app setting, by reference), the ingest key (APIM named value, by
# reference) and the report key (read by finance and operators). Nobody copies a secret by hand.
resource "azurerm_key_vault" "main" {
  #checkov:skip=CKV_AZURE_109:no VNet in this template: App Service Key Vault references and the deploying principal reach the vault over its public endpoint (App Service is not a trusted service for the firewall bypass)
  #checkov:skip=CKV_AZURE_189:no VNet in this template: App Service Key Vault references and the deploying principal reach the vault over its public endpoint; access is RBAC-only
  #checkov:skip=CKV2_AZURE_32:no VNet in this template, so no private endpoint; access is RBAC-only with purge protection
  name                          = local.names.key_vault
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = var.key_vault_soft_delete_retention_days
  public_network_access_enabled = true

  network_acls {
    bypass         = "AzureServices"
    default_action = "Allow"
  }

  tags = local.tags
}

# The identity running Terraform writes the secrets.
resource "azurerm_role_assignment" "deployer_kv_secrets_officer" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

# The function app resolves @Microsoft.KeyVault(...) app settings with its user-assigned identity
# (key_vault_reference_identity_id), granted before the app exists (identity.tf).
resource "azurerm_role_assignment" "function_kv_secrets_user" {
  scope                            = azurerm_key_vault.main.id
  role_definition_name             = "Key Vault Secrets User"
  principal_id                     = azurerm_user_assigned_identity.function.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# APIM reads the chargeback-function-key named value (the ingest key) from the vault with its system
# identity.
resource "azurerm_role_assignment" "apim_kv_secrets_user" {
  scope                            = azurerm_key_vault.main.id
  role_definition_name             = "Key Vault Secrets User"
  principal_id                     = azurerm_api_management.main.identity[0].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# Role assignments take a while to reach the Key Vault data plane.
resource "time_sleep" "deployer_kv_rbac" {
  create_duration = var.rbac_propagation_wait
  depends_on      = [azurerm_role_assignment.deployer_kv_secrets_officer]
}

resource "time_sleep" "apim_kv_rbac" {
  create_duration = var.rbac_propagation_wait
  depends_on      = [azurerm_role_assignment.apim_kv_secrets_user]
}

# Azure Cache for Redis only (redis_kind = cache): StackExchange format as the provider builds it,
# <host>:6380,password=<key>,ssl=true,abortConnect=False (the handler parses it; `ssl` is read
# case-insensitively). Azure Managed Redis has no key: the handler uses its Entra token.
resource "azurerm_key_vault_secret" "redis_connection_string" {
  #checkov:skip=CKV_AZURE_41:the value is owned by Terraform and follows the Redis access key; an expiry date would make the function app's Key Vault reference fail silently when it passes
  count        = local.managed_redis ? 0 : 1
  name         = "redis-connection-string"
  value        = azurerm_redis_cache.main[0].primary_connection_string
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; format=stackexchange-redis"
  tags         = local.tags

  depends_on = [time_sleep.deployer_kv_rbac]
}

# The ingest key APIM sends as x-functions-key (function-keys.tf).
resource "azurerm_key_vault_secret" "ingest_key" {
  #checkov:skip=CKV_AZURE_41:the value is owned by Terraform (random_password, rotated with -replace); an expiry date would break the APIM named value (and so every chargeback post) when it passes
  name         = "chargeback-ingest-key"
  value        = random_password.ingest_key.result
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; format=azure-functions-key"
  tags         = local.tags

  depends_on = [time_sleep.deployer_kv_rbac]
}

# The full-access report key (function-keys.tf): `az keyvault secret show --vault-name <key_vault_name>
# --name chargeback-report-key` for whoever may read every cost center.
resource "azurerm_key_vault_secret" "report_key" {
  #checkov:skip=CKV_AZURE_41:the value is owned by Terraform (random_password, rotated with -replace); the key itself does not expire, so an expiry on the copy would only hide it
  name         = "chargeback-report-key"
  value        = random_password.report_key.result
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; format=azure-functions-key"
  tags         = local.tags

  depends_on = [time_sleep.deployer_kv_rbac]
}
