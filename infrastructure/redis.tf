# Azure Cache for Redis: the usage counters, dedupe keys and rollup snapshots (docs/redis-schema.md).
# TLS only; Premium with shard_count > 0 is a Redis Cluster (REDIS_CLUSTER=true in app-settings.tf).
resource "azurerm_redis_cache" "main" {
  #checkov:skip=CKV_AZURE_89:no VNet in this template (no subnet or private endpoint): the function app reaches Redis over its public TLS endpoint with the access key
  name                          = local.names.redis
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku_name                      = var.redis_sku_name
  family                        = var.redis_family
  capacity                      = var.redis_capacity
  shard_count                   = var.redis_shard_count > 0 ? var.redis_shard_count : null
  redis_version                 = "6"
  non_ssl_port_enabled          = false
  minimum_tls_version           = "1.2"
  public_network_access_enabled = true
  # The handler authenticates with the access key (REDIS_CONNECTION_STRING); Entra ID auth is
  # enabled as well so operators can connect without the key.
  access_keys_authentication_enabled = true

  redis_configuration {
    active_directory_authentication_enabled = true
    # Every chargeback key has a TTL, so the default volatile-lru would evict billing data under
    # memory pressure; with noeviction writes fail instead and the handler spools them.
    maxmemory_policy = "noeviction"
  }

  tags = local.tags
}
