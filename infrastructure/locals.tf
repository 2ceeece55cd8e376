# Names and tags shared by every file.
locals {
  tags = merge(var.tags, {
    application = "chargeback"
    environment = var.environment
  })

  # <prefix>-<environment>: at most 12 + 1 + 8 = 21 characters (see the variable validations).
  base    = "${var.name_prefix}-${var.environment}"
  compact = replace(local.base, "-", "")
  suffix  = random_string.suffix.result

  names = {
    resource_group = "rg-${local.base}"
    log_analytics  = "log-${local.base}"
    app_insights   = "appi-${local.base}"
    # Storage: lowercase letters and digits only, 3-24 characters, globally unique: 2 + ≤17 + 5.
    storage = "st${substr(local.compact, 0, 17)}${local.suffix}"
    # The record archive's account: "strec" + ≤14 + 5.
    records = "strec${substr(local.compact, 0, 14)}${local.suffix}"
    # Key Vault: 3-24 characters, letters, digits and single hyphens, globally unique: 3 + ≤15 + 1 + 5.
    key_vault = "kv-${trim(substr(local.base, 0, 15), "-")}-${local.suffix}"
    redis     = "redis-${local.base}-${local.suffix}"
    # Container registry: 5-50 letters and digits only, globally unique: 2 + ≤17 + 5.
    registry     = "cr${substr(local.compact, 0, 17)}${local.suffix}"
    service_plan = "asp-${local.base}"
    # Function app: ≤ 32 characters (the host id is derived from the first 32): 5 + ≤21 + 1 + 5.
    function_app   = "func-${local.base}-${local.suffix}"
    openai         = "oai-${local.base}-${local.suffix}"
    api_management = "apim-${local.base}-${local.suffix}"
  }

  openai_location = coalesce(var.openai_location, var.location)

}
