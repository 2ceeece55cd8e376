# Azure Monitor alerts and the handler's workbook: the same signals as the handler's Prometheus
# metrics, read from what already reaches Log Analytics.
#
# - The handler writes one JSON object per line to stdout (JSONLogHandler); the Functions host turns
#   each line into an Information trace, so every line is a row of AppTraces whose Message is the
#   object: `parse_json(Message)`, then j.message and the dotted keys as j["error.code"].
# - The host's request telemetry (one AppRequests row per invocation: Name, Success, ResultCode,
#   DurationMs) gives the latencies; Redis and the Function App have platform metrics.
# - Counts are sum(ItemCount), so they stay estimates of the real counts if Application Insights
#   samples traces.
#
# scripts/lib/check_infrastructure.py checks that every log message these queries (and
# workbook.json's) filter on is one the handler logs, so a renamed log line fails the check instead
# of silencing an alert. docs/deployment.md (Monitoring in Azure) lists the alerts.

# Declared here rather than in variables.tf: they only concern this file.
variable "monitoring_alerts_enabled" {
  description = "Enable the alert rules of alerts.tf. false keeps them (and the action group and workbook) but disabled."
  type        = bool
  default     = true
}

variable "monitoring_alert_email_addresses" {
  description = "E-mail addresses the action group notifies for every alert of alerts.tf."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.monitoring_alert_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "Every monitoring_alert_email_addresses entry must be an e-mail address."
  }

  validation {
    condition     = length(distinct([for address in var.monitoring_alert_email_addresses : lower(address)])) == length(var.monitoring_alert_email_addresses)
    error_message = "monitoring_alert_email_addresses must not list an address twice."
  }
}

variable "monitoring_alert_webhook_url" {
  description = "Optional https webhook the action group also calls (common alert schema); empty = no webhook receiver. It usually carries a token: pass it as TF_VAR_monitoring_alert_webhook_url, not in a .tfvars file."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.monitoring_alert_webhook_url == "" || startswith(var.monitoring_alert_webhook_url, "https://")
    error_message = "monitoring_alert_webhook_url must be empty or an https:// URL."
  }
}

variable "monitoring_ingest_refusal_percent" {
  description = "Alert when refused envelopes (\"envelope refused\") exceed this share, in percent, of the envelopes ingested or refused in 15 minutes."
  type        = number
  default     = 5

  validation {
    condition     = var.monitoring_ingest_refusal_percent > 0 && var.monitoring_ingest_refusal_percent < 100
    error_message = "monitoring_ingest_refusal_percent must be greater than 0 and less than 100."
  }
}

variable "monitoring_ingest_refusal_minimum" {
  description = "The refusal-rate alert needs at least this many refused envelopes in its 15 minutes, so a few refusals at low traffic do not page."
  type        = number
  default     = 10

  validation {
    condition     = var.monitoring_ingest_refusal_minimum >= 1 && floor(var.monitoring_ingest_refusal_minimum) == var.monitoring_ingest_refusal_minimum
    error_message = "monitoring_ingest_refusal_minimum must be a whole number, 1 or more."
  }
}

variable "monitoring_ingest_p95_ms" {
  description = "Alert when the 95th percentile of the ingest function's duration (AppRequests DurationMs) over 15 minutes exceeds this, in milliseconds."
  type        = number
  default     = 500

  validation {
    condition     = var.monitoring_ingest_p95_ms > 0
    error_message = "monitoring_ingest_p95_ms must be greater than 0."
  }
}

variable "monitoring_ingest_latency_minimum_requests" {
  description = "The ingest latency alert needs at least this many ingest invocations in its 15 minutes (a p95 of a handful of requests is noise)."
  type        = number
  default     = 20

  validation {
    condition     = var.monitoring_ingest_latency_minimum_requests >= 1 && floor(var.monitoring_ingest_latency_minimum_requests) == var.monitoring_ingest_latency_minimum_requests
    error_message = "monitoring_ingest_latency_minimum_requests must be a whole number, 1 or more."
  }
}

variable "monitoring_redis_server_load_percent" {
  description = "Alert when the Redis cache's server load (metric serverLoad, average over 15 minutes) exceeds this percentage."
  type        = number
  default     = 80

  validation {
    condition     = var.monitoring_redis_server_load_percent > 0 && var.monitoring_redis_server_load_percent < 100
    error_message = "monitoring_redis_server_load_percent must be greater than 0 and less than 100."
  }
}

variable "monitoring_redis_memory_percent" {
  description = "Alert when the Redis cache's used memory (metric usedmemorypercentage) exceeds this percentage. With maxmemory-policy noeviction, a full cache refuses writes and the handler spools."
  type        = number
  default     = 80

  validation {
    condition     = var.monitoring_redis_memory_percent > 0 && var.monitoring_redis_memory_percent < 100
    error_message = "monitoring_redis_memory_percent must be greater than 0 and less than 100."
  }
}

variable "monitoring_function_http5xx_count" {
  description = "Alert when the Function App answers more than this many HTTP 5xx (metric Http5xx) in 5 minutes."
  type        = number
  default     = 5

  validation {
    condition     = var.monitoring_function_http5xx_count >= 0 && floor(var.monitoring_function_http5xx_count) == var.monitoring_function_http5xx_count
    error_message = "monitoring_function_http5xx_count must be a whole number, 0 or more."
  }
}

locals {
  # The handler's log lines: `message` is the log message, `j` the whole object.
  handler_log_lines = trimspace(<<-KQL
    AppTraces
    | extend j = parse_json(Message)
    | extend message = tostring(j.message)
  KQL
  )

  # Every alert rule notifies the action group with these properties.
  alert_custom_properties = {
    environment = var.environment
    runbook     = "docs/deployment.md, Monitoring in Azure"
  }
}

resource "azurerm_monitor_action_group" "main" {
  name                = "ag-${local.base}"
  resource_group_name = azurerm_resource_group.main.name
  # At most 12 characters: 3 + ≤ 8.
  short_name = "cb-${var.environment}"
  tags       = local.tags

  dynamic "email_receiver" {
    for_each = var.monitoring_alert_email_addresses
    content {
      name                    = "email-${email_receiver.key + 1}"
      email_address           = email_receiver.value
      use_common_alert_schema = true
    }
  }

  # The URL is sensitive; only whether it is set decides the receiver.
  dynamic "webhook_receiver" {
    for_each = nonsensitive(var.monitoring_alert_webhook_url != "") ? ["webhook"] : []
    content {
      name                    = webhook_receiver.value
      service_uri             = var.monitoring_alert_webhook_url
      use_common_alert_schema = true
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Log alerts on the workspace (AppTraces: the handler's lines; AppRequests: the host's requests).
#
# skip_query_validation: on the first apply the workspace has received no Application Insights
# data yet, and validation can reject the App* tables; the message texts are checked by
# scripts/lib/check_infrastructure.py instead. Stateful (auto_mitigation_enabled): one
# notification when an alert fires and one when it resolves.
# ---------------------------------------------------------------------------------------------

# 1. Share of envelopes refused (not counted: usage lost unless APIM's post is fixed and resent).
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "ingest_refusals" {
  name                    = "alert-${local.base}-ingest-refusals"
  display_name            = "Chargeback ${var.environment}: ingest refusal rate"
  description             = "More than ${var.monitoring_ingest_refusal_percent}% of envelopes were refused (\"envelope refused\", at least ${var.monitoring_ingest_refusal_minimum}) in 15 minutes: that usage is not counted. The workbook's refusals tile gives the error.code."
  resource_group_name     = azurerm_resource_group.main.name
  location                = azurerm_log_analytics_workspace.main.location
  scopes                  = [azurerm_log_analytics_workspace.main.id]
  severity                = 2
  evaluation_frequency    = "PT5M"
  window_duration         = "PT15M"
  enabled                 = var.monitoring_alerts_enabled
  auto_mitigation_enabled = true
  skip_query_validation   = true
  tags                    = local.tags

  criteria {
    query                   = <<-KQL
      ${local.handler_log_lines}
      | where message in ("usage ingested", "envelope refused")
      | summarize Refused = sumif(ItemCount, message == "envelope refused"), Envelopes = sum(ItemCount)
      | where Refused >= ${var.monitoring_ingest_refusal_minimum}
      | project RefusedPercent = round(100.0 * Refused / Envelopes, 2)
    KQL
    time_aggregation_method = "Maximum"
    metric_measure_column   = "RefusedPercent"
    operator                = "GreaterThan"
    threshold               = var.monitoring_ingest_refusal_percent
  }

  action {
    action_groups     = [azurerm_monitor_action_group.main.id]
    custom_properties = local.alert_custom_properties
  }
}

# 2. Money at risk of delay (or loss): the ledger refused a write (the post got a 503 or 422), Redis
# was unavailable and events went to the spool, spooled lines were quarantined, or a subscription's
# deployments outside the price book reached the cap.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "ledger_failures" {
  name                    = "alert-${local.base}-ledger-failures"
  display_name            = "Chargeback ${var.environment}: ledger write failures or spooling"
  description             = "The handler logged \"ledger write failed\", \"redis unavailable; spooling\", \"spool lines unreadable; quarantined\", \"spooled event refused; quarantined\" or \"deployment cap reached; counted as (unlisted)\" in the last 5 minutes: usage is delayed (spooled until Redis answers), was refused (503, or 422 counter_overflow), sits in spool.quarantine.jsonl, or a subscription used more deployments outside the price book than CHARGEBACK_DEPLOYMENT_CAP (its usage is counted under (unlisted)). Check Redis (workbook: Redis server load, spooled vs replayed), the quarantine file, or the price book."
  resource_group_name     = azurerm_resource_group.main.name
  location                = azurerm_log_analytics_workspace.main.location
  scopes                  = [azurerm_log_analytics_workspace.main.id]
  severity                = 1
  evaluation_frequency    = "PT5M"
  window_duration         = "PT5M"
  enabled                 = var.monitoring_alerts_enabled
  auto_mitigation_enabled = true
  skip_query_validation   = true
  tags                    = local.tags

  criteria {
    query                   = <<-KQL
      ${local.handler_log_lines}
      | where message in ("ledger write failed", "redis unavailable; spooling", "spool lines unreadable; quarantined", "spooled event refused; quarantined", "deployment cap reached; counted as (unlisted)")
      | project TimeGenerated, LogMessage = message
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0

    dimension {
      name     = "LogMessage"
      operator = "Include"
      values   = ["*"]
    }
  }

  action {
    action_groups     = [azurerm_monitor_action_group.main.id]
    custom_properties = local.alert_custom_properties
  }
}

# 3. A timer run failed (rollup: the day's snapshot is not written; budget-check: no alerts sent),
# or the rollup could not archive its records (they are retried by the next run; a conflict is not).
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "timer_failures" {
  name                    = "alert-${local.base}-timer-failures"
  display_name            = "Chargeback ${var.environment}: timer run failed"
  description             = "The handler logged \"timer run failed\" (rollup or budget-check) in the last 15 minutes, or the rollup could not archive its records (\"records could not be archived\": storage or its role assignment; retried each run) or found an archived revision that differs from Redis (Redis lost its snapshots and was not restored: run chargeback restore). The Function dimension names the timer. A missing price book or budget file makes every run fail (\"pricing unavailable\" / \"budgets unavailable\" at start)."
  resource_group_name     = azurerm_resource_group.main.name
  location                = azurerm_log_analytics_workspace.main.location
  scopes                  = [azurerm_log_analytics_workspace.main.id]
  severity                = 2
  evaluation_frequency    = "PT15M"
  window_duration         = "PT15M"
  enabled                 = var.monitoring_alerts_enabled
  auto_mitigation_enabled = true
  skip_query_validation   = true
  tags                    = local.tags

  criteria {
    query                   = <<-KQL
      ${local.handler_log_lines}
      | where message in ("timer run failed", "records could not be archived; the next rollup retries", "record archive holds other bytes than Redis for some revisions; the archive's copy is kept", "rollup held back: the counters hold less usage than the day's snapshot")
      | project TimeGenerated, Function = tostring(j["function.name"])
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0

    dimension {
      name     = "Function"
      operator = "Include"
      values   = ["*"]
    }
  }

  action {
    action_groups     = [azurerm_monitor_action_group.main.id]
    custom_properties = local.alert_custom_properties
  }
}

# 4. A budget alert did not reach its channel: the webhook failed after its retries, or the
# channel's URL setting is missing; either way it is parked and retried by later runs.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "alert_delivery_failures" {
  name                    = "alert-${local.base}-alert-delivery"
  display_name            = "Chargeback ${var.environment}: budget alert delivery failed"
  description             = "budget-check logged an \"alert\" line whose alert.delivery failed or was parked in the last 15 minutes: a budget alert did not reach its channel (the Channel dimension). \"not sent ... is not set (parked)\" means the channel's URL app setting is missing."
  resource_group_name     = azurerm_resource_group.main.name
  location                = azurerm_log_analytics_workspace.main.location
  scopes                  = [azurerm_log_analytics_workspace.main.id]
  severity                = 2
  evaluation_frequency    = "PT15M"
  window_duration         = "PT15M"
  enabled                 = var.monitoring_alerts_enabled
  auto_mitigation_enabled = true
  skip_query_validation   = true
  tags                    = local.tags

  criteria {
    query                   = <<-KQL
      ${local.handler_log_lines}
      | where message == "alert"
      | extend delivery = tostring(j["alert.delivery"])
      | extend Channel = extract(@"→ ([^:]+): ", 1, delivery), Result = extract(@"→ [^:]+: (.*)$", 1, delivery)
      | where Result has_any ("failed", "parked")
      | project TimeGenerated, Channel
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0

    dimension {
      name     = "Channel"
      operator = "Include"
      values   = ["*"]
    }
  }

  action {
    action_groups     = [azurerm_monitor_action_group.main.id]
    custom_properties = local.alert_custom_properties
  }
}

# 5. Ingest latency from the host's request telemetry.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "ingest_latency" {
  name                    = "alert-${local.base}-ingest-latency"
  display_name            = "Chargeback ${var.environment}: ingest p95 latency"
  description             = "The ingest function's 95th percentile duration (AppRequests) exceeded ${var.monitoring_ingest_p95_ms} ms over 15 minutes (with at least ${var.monitoring_ingest_latency_minimum_requests} invocations). Check Redis latency and server load, and the plan's instance count."
  resource_group_name     = azurerm_resource_group.main.name
  location                = azurerm_log_analytics_workspace.main.location
  scopes                  = [azurerm_log_analytics_workspace.main.id]
  severity                = 3
  evaluation_frequency    = "PT5M"
  window_duration         = "PT15M"
  enabled                 = var.monitoring_alerts_enabled
  auto_mitigation_enabled = true
  skip_query_validation   = true
  tags                    = local.tags

  criteria {
    query                   = <<-KQL
      AppRequests
      | where Name == "ingest"
      | summarize Requests = sum(ItemCount), P95 = percentile(DurationMs, 95)
      | where Requests >= ${var.monitoring_ingest_latency_minimum_requests}
      | project P95
    KQL
    time_aggregation_method = "Maximum"
    metric_measure_column   = "P95"
    operator                = "GreaterThan"
    threshold               = var.monitoring_ingest_p95_ms
  }

  action {
    action_groups     = [azurerm_monitor_action_group.main.id]
    custom_properties = local.alert_custom_properties
  }
}

# ---------------------------------------------------------------------------------------------
# Platform metric alerts (names from Azure Monitor's supported metrics for each resource type).
# ---------------------------------------------------------------------------------------------

# 6. Redis: sustained server load (latency, then timeouts and spooling) and memory (with
# noeviction a full cache refuses writes). serverLoad and usedmemorypercentage are the metric names
# of both Microsoft.Cache/redis and Microsoft.Cache/redisEnterprise (Azure Monitor's supported
# metrics; MicrosoftDocs/azure-reference-other, microsoft-cache-redisenterprise-metrics-include.md). On a clustered cache the metrics without a shard are
# the cache's aggregate; the workbook and the Redis Insights blade show the shards.
resource "azurerm_monitor_metric_alert" "redis_server_load" {
  name                = "alert-${local.base}-redis-server-load"
  description         = "Redis server load above ${var.monitoring_redis_server_load_percent}% on average over 15 minutes: commands slow down, then time out and the handler spools."
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [local.redis_id]
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT15M"
  enabled             = var.monitoring_alerts_enabled
  tags                = local.tags

  criteria {
    metric_namespace = local.redis_metric_namespace
    metric_name      = "serverLoad"
    aggregation      = "Average"
    operator         = "GreaterThan"
    threshold        = var.monitoring_redis_server_load_percent
  }

  action {
    action_group_id    = azurerm_monitor_action_group.main.id
    webhook_properties = local.alert_custom_properties
  }
}

resource "azurerm_monitor_metric_alert" "redis_memory" {
  name                = "alert-${local.base}-redis-memory"
  description         = "Redis used memory above ${var.monitoring_redis_memory_percent}%: with maxmemory-policy noeviction a full cache refuses writes and the handler spools. Scale the cache or lower the retention settings."
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [local.redis_id]
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT15M"
  enabled             = var.monitoring_alerts_enabled
  tags                = local.tags

  criteria {
    metric_namespace = local.redis_metric_namespace
    metric_name      = "usedmemorypercentage"
    aggregation      = "Maximum"
    operator         = "GreaterThan"
    threshold        = var.monitoring_redis_memory_percent
  }

  action {
    action_group_id    = azurerm_monitor_action_group.main.id
    webhook_properties = local.alert_custom_properties
  }
}

# 7. The Function App answers 5xx (a ledger failure is a 503 to APIM's post; so is an unhealthy
# instance's health check).
resource "azurerm_monitor_metric_alert" "function_http5xx" {
  name                = "alert-${local.base}-function-http5xx"
  description         = "The chargeback Function App answered more than ${var.monitoring_function_http5xx_count} HTTP 5xx in 5 minutes."
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_linux_function_app.main.id]
  severity            = 2
  frequency           = "PT1M"
  window_size         = "PT5M"
  enabled             = var.monitoring_alerts_enabled
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.Web/sites"
    metric_name      = "Http5xx"
    aggregation      = "Total"
    operator         = "GreaterThan"
    threshold        = var.monitoring_function_http5xx_count
  }

  action {
    action_group_id    = azurerm_monitor_action_group.main.id
    webhook_properties = local.alert_custom_properties
  }
}

# ---------------------------------------------------------------------------------------------
# The workbook (workbook.json): ingest, refusals, spool, ledger, rollup, alert deliveries,
# latency and Redis, over the workspace. Shared in the resource group and listed under the
# workspace's Workbooks.
# ---------------------------------------------------------------------------------------------

# A workbook's name is a GUID; kept in state, so it stays the same across applies.
resource "random_uuid" "workbook" {}

resource "azurerm_application_insights_workbook" "chargeback" {
  name                = random_uuid.workbook.result
  display_name        = "Chargeback handler (${local.base})"
  description         = "The chargeback handler's signals from its log lines (AppTraces), the host's requests (AppRequests) and the Redis metrics (AzureMetrics)."
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  # Lowercase, as the provider requires.
  source_id = lower(azurerm_log_analytics_workspace.main.id)
  category  = "workbook"
  data_json = templatefile("${path.module}/workbook.json", {
    workspace_id = azurerm_log_analytics_workspace.main.id
  })
  tags = local.tags
}
