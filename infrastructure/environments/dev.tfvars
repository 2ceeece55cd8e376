# Development: smallest footprint that still exercises the real path (APIM → Azure OpenAI,
# APIM → function → Redis, Key Vault references). terraform apply -var-file=environments/dev.tfvars
environment = "dev"
name_prefix = "chargeback"
location    = "eastus2"

tags = {
  owner = "platform@contoso.example"
}

log_retention_days                   = 30
storage_replication_type             = "LRS"
key_vault_soft_delete_retention_days = 7

# The record archive (records.tf): locally redundant, records kept 32 days, policy unlocked.
records_replication_type    = "LRS"
records_retention_days      = 32
records_immutability_locked = false

# Azure Monitor alerts (alerts.tf) to the owner; no webhook in dev. Thresholds keep their defaults.
monitoring_alerts_enabled        = true
monitoring_alert_email_addresses = ["platform@contoso.example"]

# Azure Managed Redis Balanced B1, Microsoft Entra ID only, TLS on 10000, AOF every second, NoEviction;
# the Enterprise clustering policy serves every shard behind one endpoint (REDIS_CLUSTER=false).
# For an existing Azure Cache for Redis instead: redis_kind = "cache" and redis_sku_name, redis_family,
# redis_capacity, redis_shard_count (variables.tf).
redis_kind                      = "managed"
managed_redis_sku_name          = "Balanced_B1"
managed_redis_clustering_policy = "EnterpriseCluster"

# Elastic Premium EP1, one always-ready instance.
function_plan_sku                     = "EP1"
function_maximum_elastic_worker_count = 5
function_minimum_instances            = 1
function_prewarmed_instances          = 1
function_zone_balancing_enabled       = false

log_level = "debug"

# Keys are price-book deployments (config/price-book.json); capacity in thousands of tokens/minute.
openai_deployments = {
  "gpt-4o-mini" = {
    model_name    = "gpt-4o-mini"
    model_version = "2024-07-18"
    sku_name      = "GlobalStandard"
    capacity      = 10
  }
  "gpt-41-mini" = {
    model_name    = "gpt-4.1-mini"
    model_version = "2025-04-14"
    sku_name      = "GlobalStandard"
    capacity      = 10
  }
  "text-embedding-3-small" = {
    model_name    = "text-embedding-3-small"
    model_version = "1"
    sku_name      = "GlobalStandard"
    capacity      = 10
  }
}

apim_sku_name        = "Developer_1"
apim_publisher_name  = "Contoso Platform (dev)"
apim_publisher_email = "platform@contoso.example"

stream_mode       = "buffered"
max_body_bytes    = 4194304
tokens_per_minute = 0

# 429 for a subscription over a hard budget limit (budget-limit-policy.xml; fail open, 60 s cache).
budget_limit_enabled = true

# Fine-tuning, assistants, threads, vector stores: unpriced and without ownership checks, so off
# (docs/deployment.md, Operations).
enable_unmetered_operations = false

# Besides APIM, who may call the Function App (reports, scripts/deploy.sh's health check), e.g.
# ["203.0.113.0/24"]. Empty: APIM only.
function_allowed_ip_ranges = []

# One team per cost center (keys from config/cost-centers.json `subscriptions`).
teams = {
  "marketing-web" = {
    display_name = "Marketing web"
    cost_center  = "CC-1001"
  }
  "support-bot" = {
    display_name = "Support bot"
    cost_center  = "CC-2002"
  }
  "research-agents" = {
    display_name = "Research agents"
    cost_center  = "CC-3003"
  }
  "tools-copilot" = {
    display_name = "Tools copilot"
    cost_center  = "CC-4004"
  }
}
