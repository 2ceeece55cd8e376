# The Function App's identity, user-assigned so that it exists, and holds its roles, before the app
# does: the app's first start already resolves its Key Vault references (Key Vault Secrets User),
# pulls its image (AcrPull) and reaches Redis (the Managed Redis access policy). With a
# system-assigned identity those grants could only follow the app, and its first boot saw the literal
# `@Microsoft.KeyVault(...)` and an image it may not pull.
resource "azurerm_user_assigned_identity" "function" {
  name                = "id-${local.base}-func"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

# The app is created only after its grants have reached the data planes.
resource "time_sleep" "function_identity_rbac" {
  create_duration = var.rbac_propagation_wait
  depends_on = [
    azurerm_role_assignment.function_kv_secrets_user,
    azurerm_role_assignment.function_acr_pull,
    azurerm_managed_redis_access_policy_assignment.function_app,
    azurerm_role_assignment.function_records,
    azurerm_role_assignment.function_openai_user,
  ]
}
