# Production: Azure Managed Redis (Balanced B5, Entra ID), EP2 across zones, Premium APIM.
# terraform apply -var-file=environments/prod.tfvars
environment = "prod"
name_prefix = "chargeback"
location    = "eastus2"

tags = {
  owner       = "platform@contoso.example"
  criticality = "high"
}

log_retention_days                   = 90
storage_replication_type             = "ZRS"
key_vault_soft_delete_retention_days = 90

# The record archive (records.tf): geo-zone-redundant, 7 years, unlocked until the deployment is
# final (then lock it: a locked policy can only be extended).
records_replication_type    = "GZRS"
records_retention_days      = 2557
records_immutability_locked = false

# Azure Monitor alerts (alerts.tf). The on-call webhook carries a token: set it as
# TF_VAR_monitoring_alert_webhook_url from the pipeline's secret store, never here.
monitoring_alerts_enabled        = true
monitoring_alert_email_addresses = ["platform@contoso.example"]

# Azure Managed Redis Balanced B5, Microsoft Entra ID only, TLS on 10000, AOF every second, NoEviction;
# the Enterprise clustering policy serves every shard behind one endpoint (REDIS_CLUSTER=false).
# For an existing Azure Cache for Redis instead: redis_kind = "cache" and redis_sku_name, redis_family,
# redis_capacity, redis_shard_count (variables.tf).
redis_kind                      = "managed"
managed_redis_sku_name          = "Balanced_B5"
managed_redis_clustering_policy = "EnterpriseCluster"

# Elastic Premium EP2, zone-balanced (the plan keeps at least 3 instances).
function_plan_sku                     = "EP2"
function_maximum_elastic_worker_count = 20
function_minimum_instances            = 3
function_prewarmed_instances          = 1
function_zone_balancing_enabled       = true

log_level = "info"

# Keys are price-book deployments (config/price-book.json); capacity in thousands of tokens/minute
# (gpt-image-1: the model's own quota unit).
openai_deployments = {
  "gpt-4o" = {
    model_name    = "gpt-4o"
    model_version = "2024-11-20"
    sku_name      = "GlobalStandard"
    capacity      = 100
  }
  "gpt-4o-mini" = {
    model_name    = "gpt-4o-mini"
    model_version = "2024-07-18"
    sku_name      = "GlobalStandard"
    capacity      = 200
  }
  "gpt-41" = {
    model_name    = "gpt-4.1"
    model_version = "2025-04-14"
    sku_name      = "GlobalStandard"
    capacity      = 100
  }
  "o3" = {
    model_name    = "o3"
    model_version = "2025-04-16"
    sku_name      = "GlobalStandard"
    capacity      = 50
  }
  "text-embedding-3-large" = {
    model_name    = "text-embedding-3-large"
    model_version = "1"
    sku_name      = "GlobalStandard"
    capacity      = 100
  }
  "gpt-image-1" = {
    model_name    = "gpt-image-1"
    model_version = "2025-04-15"
    sku_name      = "GlobalStandard"
    capacity      = 2
  }
}

apim_sku_name        = "Premium_1"
apim_publisher_name  = "Contoso Platform"
apim_publisher_email = "platform@contoso.example"

stream_mode    = "buffered"
max_body_bytes = 4194304
# Set > 0 to cap each subscription's tokens per minute (azure-openai-token-limit).
tokens_per_minute = 0
# Set true to answer 429 for a subscription over a hard budget limit (budget-limit-policy.xml;
# fail open; decisions cached budget_limit_cache_seconds, default 60).
budget_limit_enabled = false

# Fine-tuning, assistants, threads, vector stores: unpriced and without ownership checks, so off
# (docs/deployment.md, Operations).
enable_unmetered_operations = false

# Besides APIM, who may call the Function App (reports, scripts/deploy.sh's health check), e.g.
# ["203.0.113.0/24"]. Empty: APIM only.
function_allowed_ip_ranges = []

# Every subscription of config/cost-centers.json.
teams = {
  "marketing-web" = {
    display_name = "Marketing web"
    cost_center  = "CC-1001"
  }
  "marketing-campaigns" = {
    display_name = "Marketing campaigns"
    cost_center  = "CC-1001"
  }
  "marketing-seo" = {
    display_name = "Marketing SEO"
    cost_center  = "CC-1001"
  }
  "support-bot" = {
    display_name = "Support bot"
    cost_center  = "CC-2002"
  }
  "support-triage" = {
    display_name = "Support triage"
    cost_center  = "CC-2002"
  }
  "support-voice" = {
    display_name = "Support voice"
    cost_center  = "CC-2002"
  }
  "research-agents" = {
    display_name = "Research agents"
    cost_center  = "CC-3003"
  }
  "research-evals" = {
    display_name = "Research evals"
    cost_center  = "CC-3003"
  }
  "research-batch" = {
    display_name = "Research batch"
    cost_center  = "CC-3003"
  }
  "tools-copilot" = {
    display_name = "Tools copilot"
    cost_center  = "CC-4004"
  }
  "tools-search" = {
    display_name = "Tools search"
    cost_center  = "CC-4004"
  }
  "tools-docs" = {
    display_name = "Tools docs"
    cost_center  = "CC-4004"
  }
}
