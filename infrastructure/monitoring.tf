# Log Analytics, workspace-based Application Insights, and the diagnostic settings that send every
# resource's logs and metrics to the workspace.
resource "azurerm_log_analytics_workspace" "main" {
  name                = local.names.log_analytics
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

resource "azurerm_application_insights" "main" {
  name                = local.names.app_insights
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  workspace_id        = azurerm_log_analytics_workspace.main.id
  application_type    = "other"
  tags                = local.tags
}

locals {
  # Resources whose logs (category group allLogs) and metrics go to the workspace.
  diagnostic_targets = {
    # allLogs includes GatewayLogs and the LLM gateway logs (GatewayLlmLogs).
    api_management = azurerm_api_management.main.id
    function_app   = azurerm_linux_function_app.main.id
    key_vault      = azurerm_key_vault.main.id
    openai         = azurerm_cognitive_account.openai.id
  }
}

resource "azurerm_monitor_diagnostic_setting" "main" {
  # Azure Cache for Redis has log categories of its own; Azure Managed Redis's cluster resource has
  # only metrics (its connection logs are on the database, not collected here): redis_metrics below.
  for_each = merge(local.diagnostic_targets, local.managed_redis ? {} : { redis = local.redis_id })

  name                       = "to-log-analytics"
  target_resource_id         = each.value
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  # API Management writes to its resource-specific tables (ApiManagementGatewayLogs,
  # ApiManagementGatewayLlmLog); the others keep the provider's default destination.
  log_analytics_destination_type = each.key == "api_management" ? "Dedicated" : null

  enabled_log {
    category_group = "allLogs"
  }

  enabled_metric {
    category = "AllMetrics"
  }
}

resource "azurerm_monitor_diagnostic_setting" "redis_metrics" {
  count                      = local.managed_redis ? 1 : 0
  name                       = "to-log-analytics"
  target_resource_id         = local.redis_id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_metric {
    category = "AllMetrics"
  }
}

# The storage account has no log categories of its own (they are on its blob/queue/file/table
# services); its transaction and capacity metrics are enough here.
resource "azurerm_monitor_diagnostic_setting" "storage" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_storage_account.function.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_metric {
    category = "Transaction"
  }
}

# Who read, wrote or tried to change a billing record: the record archive's blob service logs
# (records.tf) go to Log Analytics, for auditors.
resource "azurerm_monitor_diagnostic_setting" "records_blobs" {
  name                       = "to-log-analytics"
  target_resource_id         = "${azurerm_storage_account.records.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category = "StorageRead"
  }
  enabled_log {
    category = "StorageWrite"
  }
  enabled_log {
    category = "StorageDelete"
  }
  enabled_metric {
    category = "Transaction"
  }
}
