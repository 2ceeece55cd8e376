# The handler's app settings (read by Sources/ChargebackApp/Configuration.swift). Kept in one
# local so tests can cross-check the names against the handler.
#
# Set elsewhere, not here:
# - FUNCTIONS_WORKER_RUNTIME=custom comes from the image's ENV (container: the provider's docker
#   stack sets no worker runtime) or from application_stack.use_custom_runtime (zip: the provider
#   adds it; its docs forbid setting it in app_settings next to application_stack).
# - FUNCTIONS_EXTENSION_VERSION, AzureWebJobsStorage, WEBSITE_CONTENTAZUREFILECONNECTIONSTRING,
#   WEBSITE_CONTENTSHARE and APPLICATIONINSIGHTS_CONNECTION_STRING come from the function app's
#   functions_extension_version, storage_account_* and site_config arguments.
# - No REDIS_TLS_CA_FILE: Azure's Redis services present a publicly trusted certificate, so the
#   system roots verify it. No CHARGEBACK_BENCH_ROUTES: benchmark routes stay off in Azure.
locals {
  handler_app_settings = {

    # Azure Managed Redis: TLS on port 10000, no password in the string: the handler AUTHs with
    # the managed identity's Microsoft Entra token (REDIS_AUTH=entra; IDENTITY_ENDPOINT and
    # IDENTITY_HEADER are set by the platform). Azure Cache for Redis: the access-key connection
    # string, resolved by App Service from Key Vault with the function app's identity.
    REDIS_CONNECTION_STRING = local.managed_redis ? "rediss://${local.redis_hostname}:10000" : "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault_secret.redis_connection_string[0].versionless_id})"
    REDIS_AUTH              = local.managed_redis ? "entra" : "password"
    # The identity is user-assigned: the identity endpoint wants its client id.
    REDIS_ENTRA_CLIENT_ID = local.managed_redis ? azurerm_user_assigned_identity.function.client_id : ""
    REDIS_CLUSTER         = local.redis_cluster ? "true" : "false"
    # aof durability waits for the AOF's once-a-second fsync within a quarter of this timeout.
    REDIS_TIMEOUT_MS = tostring(var.chargeback_durability == "aof" ? max(var.redis_timeout_ms, 4000) : var.redis_timeout_ms)
    REDIS_POOL_SIZE  = tostring(var.redis_pool_size)
    # Acknowledged only once durable as asked (docs/redis-schema.md); AOF needs persistence on.
    CHARGEBACK_DURABILITY = var.chargeback_durability

    # Must match host.json extensions.http.routePrefix.
    CHARGEBACK_ROUTE_PREFIX       = "api"
    CHARGEBACK_MAX_BODY_BYTES     = "167772160"
    CHARGEBACK_MAX_ENVELOPE_BYTES = tostring(var.chargeback_max_envelope_bytes)

    CHARGEBACK_DEDUPE_DAYS    = tostring(var.chargeback_dedupe_days)
    CHARGEBACK_RETENTION_DAYS = tostring(var.chargeback_retention_days)

    # Owners of files, batches and stored responses (APIM's ownership check asks for them): kept
    # 35 days for responses (Azure keeps them 30) and 400 for batches and files, renewed on use.
    # The handler's defaults, stated so that a change is deliberate.
    CHARGEBACK_RESPONSE_MARKER_DAYS = "35"
    CHARGEBACK_OBJECT_MARKER_DAYS   = "400"
    # Deployments outside the price book one subscription may add per UTC day (then `(unlisted)`).
    CHARGEBACK_DEPLOYMENT_CAP = "50"

    # A persistent Azure Files share, so spooled events survive restarts: the container's spool share
    # mounted at /mounts/spool (function.tf), or the zip deployment's /home content share. One
    # folder per instance (the handler expands %WEBSITE_INSTANCE_ID%), so appends from several
    # machines never interleave on the share; a folder left by an instance that was scaled in is
    # replayed with `chargeback replay --spool-dir` (README, Operations).
    CHARGEBACK_SPOOL_DIR       = local.container ? "/mounts/spool/%WEBSITE_INSTANCE_ID%" : "/home/data/chargeback-spool/%WEBSITE_INSTANCE_ID%"
    CHARGEBACK_SPOOL_MAX_BYTES = "67108864"

    # Relative to the app root (the deployed zip carries config/).
    # The relay (backend-policy.xml, section 3) calls Azure OpenAI as the app's identity (the
    # Cognitive Services OpenAI User role, openai.tf). Off unless stream_mode is relay: an empty
    # upstream makes it answer 503, so nothing can use the app's identity on Azure OpenAI.
    CHARGEBACK_RELAY_UPSTREAM    = var.stream_mode == "relay" ? azurerm_cognitive_account.openai.endpoint : ""
    CHARGEBACK_RELAY_AUTH        = "managed-identity"
    CHARGEBACK_RELAY_CLIENT_ID   = azurerm_user_assigned_identity.function.client_id
    CHARGEBACK_RELAY_CONCURRENCY = "64"

    CHARGEBACK_PRICE_BOOK   = "config/price-book.json"
    CHARGEBACK_COST_CENTERS = "config/cost-centers.json"
    CHARGEBACK_BUDGETS      = "config/budgets.json"

    # The role of each key, by SHA-256 (function-keys.tf): the handler refuses every other key.
    # Not secret: a hash of 48 random letters and digits gives nothing away, so plans may show it.
    CHARGEBACK_INGEST_KEY_SHA256 = nonsensitive(sha256(random_password.ingest_key.result))
    CHARGEBACK_REPORT_KEY_SHA256 = nonsensitive(sha256(random_password.report_key.result))

    CHARGEBACK_ROLLUP_GRACE_HOURS      = tostring(var.chargeback_rollup_grace_hours)
    CHARGEBACK_ROLLUP_CATCHUP_DAYS     = tostring(var.chargeback_rollup_catchup_days)
    CHARGEBACK_SNAPSHOT_RETENTION_DAYS = tostring(var.chargeback_snapshot_retention_days)

    # The FOCUS export (format=focus): each row's ResourceId is this Azure OpenAI account plus the
    # deployment; its BillingAccountId the Azure subscription it is billed on.
    CHARGEBACK_OPENAI_RESOURCE_ID   = azurerm_cognitive_account.openai.id
    CHARGEBACK_BILLING_ACCOUNT_ID   = data.azurerm_client_config.current.subscription_id
    CHARGEBACK_BILLING_ACCOUNT_NAME = var.focus_billing_account_name
    CHARGEBACK_INVOICE_ISSUER       = var.focus_invoice_issuer

    # Every snapshot revision and the day's export, also in Blob Storage (records.tf), written as
    # the user-assigned identity (its client id, for the identity endpoint).
    CHARGEBACK_RECORDS           = "${azurerm_storage_account.records.primary_blob_endpoint}${azurerm_storage_container.records.name}"
    CHARGEBACK_RECORDS_CLIENT_ID = azurerm_user_assigned_identity.function.client_id

    LOG_LEVEL = var.log_level
  }
}

# Settings of the deployment kind, not read by the handler. Zip: run from the mounted package
# (read-only wwwroot). Container: the code is in the image's /home/site/wwwroot, so no share may be
# mounted over /home (WEBSITES_ENABLE_APP_SERVICE_STORAGE=false; the spool has its own mount).
locals {
  deployment_app_settings = local.container ? { WEBSITES_ENABLE_APP_SERVICE_STORAGE = "false" } : { WEBSITE_RUN_FROM_PACKAGE = "1" }
}
