# Storage account of the function app: AzureWebJobsStorage (host keys, timer leases for the
# rollup, host state), the Azure Files content share of the Elastic Premium plan, and the share of
# the handler's durable spool (mounted at /mounts/spool in the container; the zip deployment keeps
# it in /home/data/chargeback-spool on the content share).
resource "azurerm_storage_account" "function" {
  #checkov:skip=CKV2_AZURE_40:Shared Key stays on: Elastic Premium mounts its content share (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING) and the container's spool share (storage_account mount) with the account key; Azure Files mounts have no managed-identity option
  #checkov:skip=CKV_AZURE_59:no VNet in this template: the Functions host reaches AzureWebJobsStorage and the content share over the public endpoint
  #checkov:skip=CKV2_AZURE_33:no VNet in this template, so no private endpoint; public access is needed by the Functions host
  #checkov:skip=CKV_AZURE_206:ZRS by default (LRS in dev): the account holds Functions host state and the transient spool; geo-replication would not keep the function app running in another region
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys suffice: the account holds Functions host state and the transient usage spool (ids and token counts, no prompts or completions)
  #checkov:skip=CKV_AZURE_33:classic queue analytics logging is superseded (azurerm 4.x deprecates queue_properties); the Functions host polls its queues constantly, so request logs would be noise, and account metrics go to Log Analytics
  name                     = local.names.storage
  location                 = azurerm_resource_group.main.location
  resource_group_name      = azurerm_resource_group.main.name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_replication_type

  https_traffic_only_enabled       = true
  min_tls_version                  = "TLS1_2"
  allow_nested_items_to_be_public  = false
  shared_access_key_enabled        = true
  public_network_access_enabled    = true
  cross_tenant_replication_enabled = false
  local_user_enabled               = false
  sftp_enabled                     = false
  default_to_oauth_authentication  = true

  blob_properties {
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }

  # Soft delete of file shares protects the content share and the spool's share.
  share_properties {
    retention_policy {
      days = 7
    }
  }

  sas_policy {
    expiration_period = "01.00:00:00"
    expiration_action = "Log"
  }

  tags = local.tags
}

# The container's spool (function_deployment = container): events wait here while Redis is
# unavailable, one folder per instance; 64 MiB per instance at most (CHARGEBACK_SPOOL_MAX_BYTES).
resource "azurerm_storage_share" "spool" {
  count              = local.container ? 1 : 0
  name               = "chargeback-spool"
  storage_account_id = azurerm_storage_account.function.id
  quota              = 5
}
