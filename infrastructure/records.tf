# The record archive: every snapshot revision and the day's chargeback CSV, written once by the
# rollup (Put Blob with If-None-Match: *) to a storage account of its own, so the billing record
# outlives the Redis cache and can rebuild it (`chargeback restore`, README "Operations").
#
# Its own account, not the function app's: that one must keep Shared Key on (Azure Files mounts),
# and its host blobs are rewritten all day. Here access is Microsoft Entra only, blob versioning is
# on (a version is kept of anything changed or deleted), and the container has a time-based
# retention policy: blobs can be created and read, never overwritten or deleted, for
# var.records_retention_days. Storage REST reference: Put Blob, Get Blob, List Blobs
# (Sources/ChargebackRecords/BlobRequests.swift); immutability:
# https://learn.microsoft.com/azure/storage/blobs/immutable-time-based-retention-policy-overview
resource "azurerm_storage_account" "records" {
  #checkov:skip=CKV_AZURE_59:no VNet in this template: the function app reaches the account over its public endpoint, with Microsoft Entra tokens only (Shared Key off)
  #checkov:skip=CKV2_AZURE_33:no VNet in this template, so no private endpoint
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys suffice for chargeback records (ids, token counts and costs; no prompts or completions)
  #checkov:skip=CKV_AZURE_33:the account has no queues
  #checkov:skip=CKV2_AZURE_38:soft delete is on (7 days); the container's retention policy already forbids deleting a record
  name                     = local.names.records
  location                 = azurerm_resource_group.main.location
  resource_group_name      = azurerm_resource_group.main.name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.records_replication_type

  https_traffic_only_enabled       = true
  min_tls_version                  = "TLS1_2"
  allow_nested_items_to_be_public  = false
  shared_access_key_enabled        = false
  default_to_oauth_authentication  = true
  public_network_access_enabled    = true
  cross_tenant_replication_enabled = false
  local_user_enabled               = false
  sftp_enabled                     = false

  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }

  sas_policy {
    expiration_period = "01.00:00:00"
    expiration_action = "Log"
  }

  tags = local.tags

  lifecycle {
    # The billing record: a plan that would delete the account stops instead.
    prevent_destroy = true
  }
}

resource "azurerm_storage_container" "records" {
  #checkov:skip=CKV2_AZURE_21:blob read, write and delete logs go to Log Analytics through a diagnostic setting (monitoring.tf, records_blobs); the storage-insights resource this check wants needs the account key, and Shared Key is off here
  name                  = "chargeback-records"
  storage_account_id    = azurerm_storage_account.records.id
  container_access_type = "private"
}

# Create and read, never overwrite or delete, for the retention period. Unlocked by default (it can
# still be shortened or removed by an owner, e.g. in a test environment); records_immutability_locked
# = true makes it a locked WORM policy, which can only be extended afterwards (and then the account
# can no longer be deleted until every record has aged out).
resource "azurerm_storage_container_immutability_policy" "records" {
  storage_container_resource_manager_id = azurerm_storage_container.records.id
  immutability_period_in_days           = var.records_retention_days
  locked                                = var.records_immutability_locked
}

# The handler writes and reads records as the function app's identity (Put Blob, Get Blob, List
# Blobs need blobs/write or blobs/add/action, and blobs/read): on this container only.
resource "azurerm_role_assignment" "function_records" {
  scope                = azurerm_storage_container.records.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.function.principal_id
}
