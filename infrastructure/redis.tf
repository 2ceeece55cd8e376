# Redis: the usage counters, dedupe keys and rollup snapshots (docs/redis-schema.md).
#
# redis_kind = "managed" (the default): Azure Managed Redis, the successor of Azure Cache for Redis
# (Basic/Standard/Premium retire on 2028-09-30). TLS on port 10000, Microsoft Entra ID only (access
# keys disabled): the Function App's managed identity gets a data access policy assignment and the
# handler authenticates with its token (REDIS_AUTH=entra), renewing it on live connections.
# redis_kind = "cache": an Azure Cache for Redis, for tenants that have one (access key in Key Vault).

locals {
  managed_redis = var.redis_kind == "managed"
  # The handler talks to a Redis Cluster when the cache exposes its shards: Azure Cache for Redis
  # Premium with shards, or Azure Managed Redis with the OSS clustering policy. Managed Redis's
  # Enterprise policy serves every shard behind one endpoint, as a single Redis does.
  redis_cluster  = local.managed_redis ? var.managed_redis_clustering_policy == "OSSCluster" : var.redis_shard_count > 0
  redis_id       = local.managed_redis ? azurerm_managed_redis.main[0].id : azurerm_redis_cache.main[0].id
  redis_hostname = local.managed_redis ? azurerm_managed_redis.main[0].hostname : azurerm_redis_cache.main[0].hostname
  # Azure Monitor's resource type for the alerts' metrics (the metric names are the same on both).
  redis_metric_namespace = local.managed_redis ? "Microsoft.Cache/redisEnterprise" : "Microsoft.Cache/redis"
}

resource "azurerm_managed_redis" "main" {
  # checkov 3.3.30 has no checks for this resource type; what CKV_AZURE_89 asks of
  # azurerm_redis_cache (no public access) is skipped there for the same reason as here: no VNet
  # in this template, so the function app reaches Redis over its public TLS endpoint (Entra ID).
  count               = local.managed_redis ? 1 : 0
  name                = local.names.redis
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku_name            = var.managed_redis_sku_name
  # A replica in another zone: a node failure fails over instead of losing the cache.
  high_availability_enabled = true
  public_network_access     = "Enabled"

  default_database {
    # Microsoft Entra ID only: no key to leak, rotate or store.
    access_keys_authentication_enabled = false
    client_protocol                    = "Encrypted"
    # EnterpriseCluster (default here): one endpoint on port 10000 whose proxy routes each command
    # to its shard; every multi-key call of the handler stays in one hash slot (RedisKeys.swift), as
    # that policy requires. OSSCluster exposes the shards (ports 85xx) to the handler's cluster client
    # (REDIS_CLUSTER=true) for more throughput. Changing it recreates the database: data is lost.
    clustering_policy = var.managed_redis_clustering_policy
    # Every chargeback key has a TTL, so the default VolatileLRU would evict billing data under
    # memory pressure; with NoEviction writes fail instead and the handler spools them.
    eviction_policy = "NoEviction"
    # The append-only file, written every second (Azure's only AOF frequency): a restart or a
    # failover of both nodes loses at most the last second (the README's Reliability section).
    persistence_append_only_file_backup_frequency = "1s"
  }

  tags = local.tags

  # The ledger, the dedupe markers and the snapshots live here: an apply must never destroy it
  # (switching redis_kind on an existing environment would). Move the data first (no migration
  # tool is provided yet), then lift this deliberately.
  lifecycle {
    prevent_destroy = true
  }
}

# The Function App's identity (identity.tf) may read and write the default database (Microsoft Entra
# ID; the handler's AUTH user is this identity's object id, the `oid` claim of its token).
resource "azurerm_managed_redis_access_policy_assignment" "function_app" {
  count            = local.managed_redis ? 1 : 0
  managed_redis_id = azurerm_managed_redis.main[0].id
  object_id        = azurerm_user_assigned_identity.function.principal_id
}

resource "azurerm_redis_cache" "main" {
  #checkov:skip=CKV_AZURE_89:no VNet in this template (no subnet or private endpoint): the function app reaches Redis over its public TLS endpoint with the access key
  count                         = local.managed_redis ? 0 : 1
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

  # The ledger, the dedupe markers and the snapshots live here: an apply must never destroy it
  # (switching redis_kind on an existing environment would). Move the data first (no migration
  # tool is provided yet), then lift this deliberately.
  lifecycle {
    prevent_destroy = true
  }
}
