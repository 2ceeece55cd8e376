# Outputs. No secrets: neither keys, connection strings nor subscription keys are output (team
# keys are read in the APIM portal or with az apim subscription keys list).
output "gateway_url" {
  description = "Base URL teams give their OpenAI SDK (Azure endpoint + /openai): APIM gateway + /openai."
  value       = "${azurerm_api_management.main.gateway_url}/openai"
}

output "function_url" {
  description = "Base URL of the chargeback function's HTTP routes (v1/ingest, v1/owner, v1/usage/summary, v1/chargeback/report, v1/health); reachable only from APIM and function_allowed_ip_ranges."
  value       = "https://${azurerm_linux_function_app.main.default_hostname}/api"
}

output "function_app_name" {
  description = "The Function App (scripts/deploy.sh points it at the image, or zip-deploys the package to it)."
  value       = azurerm_linux_function_app.main.name
}

output "resource_group_name" {
  description = "Resource group holding every resource."
  value       = azurerm_resource_group.main.name
}

output "api_management_name" {
  description = "API Management service name."
  value       = azurerm_api_management.main.name
}

output "redis_hostname" {
  description = "Redis host name: Azure Managed Redis (TLS port 10000) or Azure Cache for Redis (TLS port 6380)."
  value       = local.redis_hostname
}

output "key_vault_name" {
  description = "Key Vault holding redis-connection-string (Azure Cache for Redis only), chargeback-ingest-key (APIM's) and chargeback-report-key (full-access reports)."
  value       = azurerm_key_vault.main.name
}

output "openai_endpoint" {
  description = "Azure OpenAI endpoint (reachable with Entra ID only; teams go through the gateway)."
  value       = azurerm_cognitive_account.openai.endpoint
}

output "subscription_cost_centers" {
  description = "APIM subscription id => cost center: the `subscriptions` map of config/cost-centers.json."
  value       = { for id, team in var.teams : id => team.cost_center }
}

output "monitoring_action_group_id" {
  description = "Action group every alert of alerts.tf notifies (e-mail receivers, optional webhook): attach other alert rules to it."
  value       = azurerm_monitor_action_group.main.id
}

output "monitoring_workbook_id" {
  description = "The chargeback handler's Azure Monitor workbook (workbook.json), listed under the Log Analytics workspace's Workbooks."
  value       = azurerm_application_insights_workbook.chargeback.id
}

output "registry_name" {
  description = "The container registry holding the handler image (function_deployment = container); scripts/deploy.sh builds into it. Null for a zip deployment."
  value       = local.container ? azurerm_container_registry.main[0].name : null
}

output "registry_login_server" {
  description = "The registry's login server (function_deployment = container), for the image reference scripts/deploy.sh sets. Null for a zip deployment."
  value       = local.container ? azurerm_container_registry.main[0].login_server : null
}
