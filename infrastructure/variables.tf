# Input variables. Handler tunables mirror the ranges Configuration.swift accepts, so a bad value
# fails at plan time instead of at the handler's start.

# ---------------------------------------------------------------------------------------------
# Scope and naming
# ---------------------------------------------------------------------------------------------

variable "subscription_id" {
  description = "Azure subscription to deploy into; null uses ARM_SUBSCRIPTION_ID or the az CLI's default subscription."
  type        = string
  default     = null
}

variable "environment" {
  description = "Environment name (dev, test, prod...): part of every resource name and the `environment` tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.environment))
    error_message = "environment must be 2-8 lowercase letters or digits, starting with a letter."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name. Names are <type>-<prefix>-<environment>[-<random suffix>], kept within Azure's limits (storage and Key Vault ≤ 24 characters, function app ≤ 32)."
  type        = string
  default     = "chargeback"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,10}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 2-12 lowercase letters, digits or single hyphens, starting with a letter and ending with a letter or digit."
  }
}

variable "location" {
  description = "Azure region of the resource group and of every resource except Azure OpenAI (see openai_location)."
  type        = string
  default     = "eastus2"
}

variable "tags" {
  description = "Tags for every resource; `application` and `environment` are added."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Log Analytics retention in days (Application Insights is workspace-based and follows it)."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

# ---------------------------------------------------------------------------------------------
# Storage and Key Vault
# ---------------------------------------------------------------------------------------------

variable "storage_replication_type" {
  description = "Replication of the function app's storage account (AzureWebJobsStorage and the /home content share that holds the spool)."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  }
}

variable "key_vault_soft_delete_retention_days" {
  description = "Days a deleted Key Vault or secret stays recoverable (purge protection is always on). Set once: Azure does not allow changing it later."
  type        = number
  default     = 90

  validation {
    condition     = var.key_vault_soft_delete_retention_days >= 7 && var.key_vault_soft_delete_retention_days <= 90
    error_message = "key_vault_soft_delete_retention_days must be between 7 and 90."
  }
}

variable "rbac_propagation_wait" {
  description = "Pause after a role assignment before its principal uses it (Entra role assignments take a while to propagate), e.g. \"60s\"."
  type        = string
  default     = "60s"

  validation {
    condition     = can(regex("^[0-9]+(s|m)$", var.rbac_propagation_wait))
    error_message = "rbac_propagation_wait must be a duration such as 30s or 2m."
  }
}

# ---------------------------------------------------------------------------------------------
# Redis: Azure Managed Redis (default) or Azure Cache for Redis
# ---------------------------------------------------------------------------------------------

variable "redis_kind" {
  description = "managed: Azure Managed Redis with Microsoft Entra ID (the default; Azure Cache for Redis is retiring). cache: an Azure Cache for Redis with an access key (the redis_sku_name, redis_family, redis_capacity and redis_shard_count settings)."
  type        = string
  default     = "managed"

  validation {
    condition     = contains(["managed", "cache"], var.redis_kind)
    error_message = "redis_kind must be managed or cache."
  }
}

variable "managed_redis_sku_name" {
  description = "Azure Managed Redis size, e.g. Balanced_B1 (dev) or Balanced_B5 (prod): tier_size of Balanced, ComputeOptimized, MemoryOptimized or FlashOptimized."
  type        = string
  default     = "Balanced_B1"

  validation {
    condition     = can(regex("^(Balanced_B[0-9]+|ComputeOptimized_X[0-9]+|MemoryOptimized_M[0-9]+|FlashOptimized_A[0-9]+)$", var.managed_redis_sku_name))
    error_message = "managed_redis_sku_name must be a tier and size such as Balanced_B1, ComputeOptimized_X5 or MemoryOptimized_M10."
  }
}

variable "managed_redis_clustering_policy" {
  description = "EnterpriseCluster: one endpoint, the proxy routes to the shards (REDIS_CLUSTER=false). OSSCluster: the handler's cluster client talks to each shard (REDIS_CLUSTER=true). Changing it recreates the database."
  type        = string
  default     = "EnterpriseCluster"

  validation {
    condition     = contains(["EnterpriseCluster", "OSSCluster"], var.managed_redis_clustering_policy)
    error_message = "managed_redis_clustering_policy must be EnterpriseCluster or OSSCluster."
  }
}

variable "redis_sku_name" {
  description = "Azure Cache for Redis (redis_kind = cache) SKU: Standard or Premium (required for clustering)."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.redis_sku_name)
    error_message = "redis_sku_name must be Basic, Standard or Premium."
  }
}

variable "redis_family" {
  description = "Azure Cache for Redis family: C for Basic/Standard, P for Premium."
  type        = string
  default     = "C"

  validation {
    condition     = contains(["C", "P"], var.redis_family)
    error_message = "redis_family must be C or P."
  }
}

variable "redis_capacity" {
  description = "Azure Cache for Redis size: 0-6 for family C, 1-5 for family P."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_capacity >= 0 && var.redis_capacity <= 6 && floor(var.redis_capacity) == var.redis_capacity
    error_message = "redis_capacity must be a whole number between 0 and 6."
  }
}

variable "redis_shard_count" {
  description = "Redis Cluster shards (Premium only). 0 = no cluster; > 0 creates a cluster and sets REDIS_CLUSTER=true for the handler."
  type        = number
  default     = 0

  validation {
    condition     = var.redis_shard_count >= 0 && var.redis_shard_count <= 30 && floor(var.redis_shard_count) == var.redis_shard_count
    error_message = "redis_shard_count must be a whole number between 0 and 30."
  }
}

# ---------------------------------------------------------------------------------------------
# Function App (Elastic Premium)
# ---------------------------------------------------------------------------------------------

variable "function_deployment" {
  description = "container (default): the handler's image on the Functions host's Debian 12 image, built in the registry by scripts/deploy.sh. zip: the package on the code-based custom-handler stack, whose Debian 11 (glibc 2.31) cannot start the handler today (infrastructure/runtime-base.json; scripts/lib/check_package.py says which base the package fits)."
  type        = string
  default     = "container"

  validation {
    condition     = contains(["container", "zip"], var.function_deployment)
    error_message = "function_deployment must be container or zip."
  }
}

variable "image_tag" {
  description = "The handler image's tag when the Function App is created (function_deployment = container); later deployments set the running tag with az functionapp config container set (scripts/deploy.sh), which Terraform then leaves alone (lifecycle ignore_changes)."
  type        = string
  default     = "initial"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a Docker tag: letters, digits, _, . and -, at most 128 characters."
  }
}

variable "function_plan_sku" {
  description = "Elastic Premium plan SKU of the function app: EP1 (dev), EP2 (prod) or EP3."
  type        = string
  default     = "EP1"

  validation {
    condition     = contains(["EP1", "EP2", "EP3"], var.function_plan_sku)
    error_message = "function_plan_sku must be EP1, EP2 or EP3 (the handler needs Elastic Premium)."
  }
}

variable "function_maximum_elastic_worker_count" {
  description = "Maximum instances the Elastic Premium plan scales out to."
  type        = number
  default     = 10

  validation {
    condition     = var.function_maximum_elastic_worker_count >= 1 && var.function_maximum_elastic_worker_count <= 100
    error_message = "function_maximum_elastic_worker_count must be between 1 and 100."
  }
}

variable "function_minimum_instances" {
  description = "Always-ready instances (elastic_instance_minimum, and the plan's minimum): at least 1 so APIM's one-way posts never meet a cold start."
  type        = number
  default     = 1

  validation {
    condition     = var.function_minimum_instances >= 1 && var.function_minimum_instances <= 20
    error_message = "function_minimum_instances must be between 1 and 20."
  }
}

variable "function_prewarmed_instances" {
  description = "Pre-warmed instances kept ready beyond the active ones while scaling out."
  type        = number
  default     = 1

  validation {
    condition     = var.function_prewarmed_instances >= 1 && var.function_prewarmed_instances <= 20
    error_message = "function_prewarmed_instances must be between 1 and 20."
  }
}

variable "function_zone_balancing_enabled" {
  description = "Spread the Elastic Premium plan over availability zones (the plan then keeps at least 3 instances). Changing it recreates the plan."
  type        = bool
  default     = false
}

variable "function_scm_basic_auth_enabled" {
  description = "Allow basic (publishing profile) credentials on the SCM/Kudu site. Off: a zip deployment uses Entra ID (az functionapp deploy with a signed-in identity; deployment source config-zip needs basic auth). The default container deployment does not use the SCM site."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Handler settings (app settings; ranges are Configuration.swift's)
# ---------------------------------------------------------------------------------------------

variable "redis_timeout_ms" {
  description = "REDIS_TIMEOUT_MS: per-command Redis timeout of the handler, in milliseconds."
  type        = number
  default     = 1000

  validation {
    condition     = var.redis_timeout_ms >= 10 && var.redis_timeout_ms <= 60000 && floor(var.redis_timeout_ms) == var.redis_timeout_ms
    error_message = "redis_timeout_ms must be a whole number between 10 and 60000."
  }
}

variable "redis_pool_size" {
  description = "REDIS_POOL_SIZE: Redis connections per handler instance (per node when clustered)."
  type        = number
  default     = 4

  validation {
    condition     = var.redis_pool_size >= 1 && var.redis_pool_size <= 64 && floor(var.redis_pool_size) == var.redis_pool_size
    error_message = "redis_pool_size must be a whole number between 1 and 64."
  }
}

variable "chargeback_max_envelope_bytes" {
  description = "CHARGEBACK_MAX_ENVELOPE_BYTES: largest envelope (request + response pair) the handler parses."
  type        = number
  default     = 16777216

  validation {
    condition     = var.chargeback_max_envelope_bytes >= 1024 && var.chargeback_max_envelope_bytes <= 1073741824 && floor(var.chargeback_max_envelope_bytes) == var.chargeback_max_envelope_bytes
    error_message = "chargeback_max_envelope_bytes must be a whole number between 1024 and 1073741824."
  }
}

variable "focus_invoice_issuer" {
  description = "InvoiceIssuerName of the FOCUS export (CHARGEBACK_INVOICE_ISSUER): who issues the chargeback to the teams, e.g. the platform team."
  type        = string
  default     = "Azure OpenAI platform team"
}

variable "focus_billing_account_name" {
  description = "BillingAccountName of the FOCUS export (CHARGEBACK_BILLING_ACCOUNT_NAME); BillingAccountId is the Azure subscription the Azure OpenAI account is billed on."
  type        = string
  default     = "Azure OpenAI chargeback"
}

variable "chargeback_durability" {
  description = "CHARGEBACK_DURABILITY: when ingest acknowledges an event: none (the primary ran it), replica (WAIT confirms the high-availability replica has it) or aof (WAITAOF: the primary's AOF is fsynced, up to a second with Azure's 1 s AOF). Unconfirmed events are spooled, not lost. Check WAIT on your cache before choosing replica (docs/redis-schema.md, \"Acknowledged means durable\")."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "replica", "aof"], var.chargeback_durability)
    error_message = "chargeback_durability must be none, replica or aof."
  }
}

variable "chargeback_dedupe_days" {
  description = "CHARGEBACK_DEDUPE_DAYS: how long a usage id is remembered, so a retried post is counted once."
  type        = number
  default     = 7

  validation {
    condition     = var.chargeback_dedupe_days >= 1 && var.chargeback_dedupe_days <= 365 && floor(var.chargeback_dedupe_days) == var.chargeback_dedupe_days
    error_message = "chargeback_dedupe_days must be a whole number between 1 and 365."
  }
}

variable "chargeback_retention_days" {
  description = "CHARGEBACK_RETENTION_DAYS: how long hourly usage counters are kept in Redis."
  type        = number
  default     = 35

  validation {
    condition     = var.chargeback_retention_days >= 2 && var.chargeback_retention_days <= 3650 && floor(var.chargeback_retention_days) == var.chargeback_retention_days
    error_message = "chargeback_retention_days must be a whole number between 2 and 3650."
  }
}

variable "chargeback_rollup_grace_hours" {
  description = "CHARGEBACK_ROLLUP_GRACE_HOURS: hours after a UTC day's end before the rollup closes it."
  type        = number
  default     = 2

  validation {
    condition     = var.chargeback_rollup_grace_hours >= 0 && var.chargeback_rollup_grace_hours <= 72 && floor(var.chargeback_rollup_grace_hours) == var.chargeback_rollup_grace_hours
    error_message = "chargeback_rollup_grace_hours must be a whole number between 0 and 72."
  }
}

variable "chargeback_rollup_catchup_days" {
  description = "CHARGEBACK_ROLLUP_CATCHUP_DAYS: how many past days the rollup revisits to catch up."
  type        = number
  default     = 7

  validation {
    condition     = var.chargeback_rollup_catchup_days >= 1 && var.chargeback_rollup_catchup_days <= 60 && floor(var.chargeback_rollup_catchup_days) == var.chargeback_rollup_catchup_days
    error_message = "chargeback_rollup_catchup_days must be a whole number between 1 and 60."
  }
}

variable "chargeback_snapshot_retention_days" {
  description = "CHARGEBACK_SNAPSHOT_RETENTION_DAYS: how long daily rollup snapshots (the billing record) are kept in Redis."
  type        = number
  default     = 400

  validation {
    condition     = var.chargeback_snapshot_retention_days >= 32 && var.chargeback_snapshot_retention_days <= 3650 && floor(var.chargeback_snapshot_retention_days) == var.chargeback_snapshot_retention_days
    error_message = "chargeback_snapshot_retention_days must be a whole number between 32 and 3650."
  }
}

variable "records_replication_type" {
  description = "Replication of the record archive's storage account (records.tf): the billing record that outlives Redis. Geo-zone-redundant by default."
  type        = string
  default     = "GZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.records_replication_type)
    error_message = "records_replication_type must be one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  }
}

variable "records_retention_days" {
  description = "Days each archived record can be neither overwritten nor deleted (the container's time-based retention policy). Default 2557 (7 years, a common retention for accounting records); at least the snapshot retention in Redis."
  type        = number
  default     = 2557

  validation {
    condition     = var.records_retention_days >= 32 && var.records_retention_days <= 146000 && floor(var.records_retention_days) == var.records_retention_days
    error_message = "records_retention_days must be a whole number between 32 and 146000."
  }
}

variable "records_immutability_locked" {
  description = "Lock the record container's retention policy (WORM): it can then only be extended, and the account cannot be deleted while records are retained. Irreversible: leave false until the deployment is final."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "LOG_LEVEL of the handler."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["trace", "debug", "info", "notice", "warning", "error", "critical"], var.log_level)
    error_message = "log_level must be one of trace, debug, info, notice, warning, error, critical."
  }
}

# ---------------------------------------------------------------------------------------------
# Azure OpenAI
# ---------------------------------------------------------------------------------------------

variable "openai_location" {
  description = "Region of the Azure OpenAI account (model availability differs by region); null = location."
  type        = string
  default     = null
}

variable "openai_deployments" {
  description = "Azure OpenAI deployments. Each key is the deployment name and must be a deployment of the price book (config/price-book.json); model_name/model_version must match that entry."
  type = map(object({
    model_name    = string
    model_version = string
    sku_name      = string
    capacity      = number
  }))
  default = {}

  validation {
    condition = alltrue([
      for name in keys(var.openai_deployments) : contains([
        "gpt-4o", "gpt-4o-mini", "gpt-41", "gpt-41-mini", "gpt-41-nano", "o3", "gpt-5",
        "text-embedding-3-small", "text-embedding-3-large", "dall-e-3", "gpt-image-1", "whisper", "tts",
      ], name)
    ])
    error_message = "Every openai_deployments key must be a price-book deployment: gpt-4o, gpt-4o-mini, gpt-41, gpt-41-mini, gpt-41-nano, o3, gpt-5, text-embedding-3-small, text-embedding-3-large, dall-e-3, gpt-image-1, whisper, tts."
  }

  validation {
    condition = alltrue([
      for deployment in values(var.openai_deployments) : contains(["Standard", "GlobalStandard", "DataZoneStandard", "GlobalBatch", "DataZoneBatch", "ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged"], deployment.sku_name) && deployment.capacity >= 1
    ])
    error_message = "Every deployment needs a known sku_name (Standard, GlobalStandard, DataZoneStandard, ...) and a capacity of at least 1."
  }
}

variable "openai_version_upgrade_option" {
  description = "Model version upgrades of the deployments. OnceCurrentVersionExpired keeps the version the price book prices until Azure retires it; OnceNewDefaultVersionAvailable would change prices silently."
  type        = string
  default     = "OnceCurrentVersionExpired"

  validation {
    condition     = contains(["OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade"], var.openai_version_upgrade_option)
    error_message = "openai_version_upgrade_option must be OnceNewDefaultVersionAvailable, OnceCurrentVersionExpired or NoAutoUpgrade."
  }
}

# ---------------------------------------------------------------------------------------------
# API Management
# ---------------------------------------------------------------------------------------------

variable "apim_sku_name" {
  description = "API Management SKU as <tier>_<units>: Developer_1 (dev, no SLA), Premium_1 (prod)."
  type        = string
  default     = "Developer_1"

  validation {
    condition     = can(regex("^(Consumption_0|(Developer|Basic|BasicV2|Standard|StandardV2|Premium|PremiumV2)_[1-9][0-9]*)$", var.apim_sku_name))
    error_message = "apim_sku_name must look like Developer_1, Standard_2 or Premium_1 (Consumption_0 for Consumption)."
  }
}

variable "apim_publisher_name" {
  description = "API Management publisher (organisation) name."
  type        = string
}

variable "apim_publisher_email" {
  description = "API Management publisher e-mail (receives service notifications)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.apim_publisher_email))
    error_message = "apim_publisher_email must be an e-mail address."
  }
}

variable "stream_mode" {
  description = "Named value chargeback-stream-mode: buffered (APIM buffers streamed responses to count usage), passthrough (streams pass untouched; usage is estimated) or relay (streamed chat, completions and Responses calls go through the Function App's relay function: streamed and exact; the app's identity gets Cognitive Services OpenAI User, and APIM falls back to passthrough when the relay does not answer). docs/clients.md says which to pick."
  type        = string
  default     = "buffered"

  validation {
    condition     = contains(["buffered", "passthrough", "relay"], var.stream_mode)
    error_message = "stream_mode must be buffered, passthrough or relay."
  }
}

variable "relay_head_timeout_ms" {
  description = "Relay mode: named value chargeback-relay-head-timeout-ms, how long APIM waits for the relay's response headers before it calls Azure OpenAI directly (passthrough). The relay answers headers when Azure OpenAI does, so this must exceed Azure OpenAI's own time to its headers (a long prompt's): a relay that called Azure OpenAI in time but answers after it makes Azure run, and bill, the call twice (counted once here). The relay declines a call it gets after this deadline. Only the wait for headers: the stream itself is not bounded by it."
  type        = number
  default     = 10000

  validation {
    condition     = var.relay_head_timeout_ms >= 500 && var.relay_head_timeout_ms <= 60000 && floor(var.relay_head_timeout_ms) == var.relay_head_timeout_ms
    error_message = "relay_head_timeout_ms must be a whole number from 500 to 60000."
  }
}

variable "max_body_bytes" {
  description = "Named value chargeback-max-body-bytes: largest request or response body the policies copy into the envelope."
  type        = number
  default     = 4194304

  validation {
    condition     = var.max_body_bytes >= 1024 && floor(var.max_body_bytes) == var.max_body_bytes
    error_message = "max_body_bytes must be a whole number of at least 1024."
  }
}

variable "tokens_per_minute" {
  description = "Per-subscription token limit (azure-openai-token-limit). 0 = no limit: the snippet is not inserted and the chargeback-tokens-per-minute named value is not created."
  type        = number
  default     = 0

  validation {
    condition     = var.tokens_per_minute >= 0 && floor(var.tokens_per_minute) == var.tokens_per_minute
    error_message = "tokens_per_minute must be a whole number, 0 or more."
  }
}

variable "teams" {
  description = "One APIM subscription per team. The key is the subscription identifier (context.Subscription.Id in the policies, the key of config/cost-centers.json `subscriptions`); cost_center is the team's cost center id."
  type = map(object({
    display_name = string
    cost_center  = string
  }))
  default = {}

  validation {
    condition     = alltrue([for id in keys(var.teams) : can(regex("^[a-z0-9][a-z0-9-]{0,79}$", id))])
    error_message = "Team keys must be 1-80 lowercase letters, digits or hyphens (they become APIM subscription ids)."
  }

  validation {
    condition     = alltrue([for team in values(var.teams) : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", team.cost_center)) && length(trimspace(team.display_name)) > 0])
    error_message = "Every team needs a display_name and a cost_center id (letters, digits, '.', '_' or '-')."
  }
}

variable "alert_app_settings" {
  description = "App settings holding the alert channels' webhook URLs and signing secret, named in config/budgets.json (ALERT_WEBHOOK_URL, ALERT_WEBHOOK_SECRET, ALERT_TEAMS_URL, ALERT_SLACK_URL); prefer Key Vault references."
  type        = map(string)
  default     = {}
  sensitive   = true
}
