# The operations of the azure-openai API: an explicit allow-list, no wildcard. A request that
# matches no operation never reaches Azure OpenAI: APIM answers 404 itself (OperationNotFound,
# "Unable to match incoming request to an operation": articles/api-management/
# api-management-error-handling-policies.md). The operation id is context.Operation.Id in the
# chargeback envelope. docs/deployment.md (Operations) lists them; check_infrastructure.py checks
# the list.
#
# Every metered operation is served in both shapes Azure OpenAI serves (MicrosoftDocs/azure-ai-docs
# articles/ai-foundry/openai/how-to/responses.md and includes/batch/batch-rest.md):
# - /openai/deployments/{deployment-id}/... with ?api-version=, where files, batches and responses
#   are not under a deployment (/openai/files, /openai/batches, /openai/responses);
# - the v1 API, /openai/v1/..., where the body names the deployment (`model`).
# Listing operations (GET /files, GET /batches) are left out on purpose: they would show every
# team's objects. Operations that address an object by id ({file-id}, {batch-id}, {response-id})
# are answered only for the subscription that created it (backend-policy.xml, Ownership).

variable "enable_unmetered_operations" {
  description = "Also expose fine-tuning, assistants, threads and vector stores (wildcard operations, both shapes). Off: they have no price in the price book, no usage in their responses and no ownership check, so every subscription would see every team's objects. docs/deployment.md says what enabling them takes."
  type        = bool
  default     = false
}

locals {
  # operation id => "METHOD url template" (the template is relative to the API path, /openai).
  metered_operations = {
    "chat-completions"      = "POST /deployments/{deployment-id}/chat/completions"
    "completions"           = "POST /deployments/{deployment-id}/completions"
    "embeddings"            = "POST /deployments/{deployment-id}/embeddings"
    "image-generations"     = "POST /deployments/{deployment-id}/images/generations"
    "image-edits"           = "POST /deployments/{deployment-id}/images/edits"
    "audio-transcriptions"  = "POST /deployments/{deployment-id}/audio/transcriptions"
    "audio-translations"    = "POST /deployments/{deployment-id}/audio/translations"
    "audio-speech"          = "POST /deployments/{deployment-id}/audio/speech"
    "responses-create"      = "POST /responses"
    "responses-get"         = "GET /responses/{response-id}"
    "responses-delete"      = "DELETE /responses/{response-id}"
    "responses-input-items" = "GET /responses/{response-id}/input_items"
    "responses-cancel"      = "POST /responses/{response-id}/cancel"
    "batches-create"        = "POST /batches"
    "batches-get"           = "GET /batches/{batch-id}"
    "batches-cancel"        = "POST /batches/{batch-id}/cancel"
    "files-upload"          = "POST /files"
    "files-get"             = "GET /files/{file-id}"
    "files-content"         = "GET /files/{file-id}/content"
    "files-delete"          = "DELETE /files/{file-id}"

    "v1-chat-completions"      = "POST /v1/chat/completions"
    "v1-completions"           = "POST /v1/completions"
    "v1-embeddings"            = "POST /v1/embeddings"
    "v1-image-generations"     = "POST /v1/images/generations"
    "v1-image-edits"           = "POST /v1/images/edits"
    "v1-audio-transcriptions"  = "POST /v1/audio/transcriptions"
    "v1-audio-translations"    = "POST /v1/audio/translations"
    "v1-audio-speech"          = "POST /v1/audio/speech"
    "v1-responses-create"      = "POST /v1/responses"
    "v1-responses-get"         = "GET /v1/responses/{response-id}"
    "v1-responses-delete"      = "DELETE /v1/responses/{response-id}"
    "v1-responses-input-items" = "GET /v1/responses/{response-id}/input_items"
    "v1-responses-cancel"      = "POST /v1/responses/{response-id}/cancel"
    "v1-batches-create"        = "POST /v1/batches"
    "v1-batches-get"           = "GET /v1/batches/{batch-id}"
    "v1-batches-cancel"        = "POST /v1/batches/{batch-id}/cancel"
    "v1-files-upload"          = "POST /v1/files"
    "v1-files-get"             = "GET /v1/files/{file-id}"
    "v1-files-content"         = "GET /v1/files/{file-id}/content"
    "v1-files-delete"          = "DELETE /v1/files/{file-id}"
  }

  # Only with enable_unmetered_operations: each family's collection and everything under it, in
  # both shapes (e.g. GET /v1/vector_stores/*). No ownership check applies to them.
  unmetered_families = ["fine_tuning", "assistants", "threads", "vector_stores"]
  unmetered_operations = merge([
    for family in local.unmetered_families : merge([
      for method in ["GET", "POST", "DELETE"] : {
        "${replace(family, "_", "-")}-${lower(method)}"         = "${method} /${family}"
        "${replace(family, "_", "-")}-${lower(method)}-item"    = "${method} /${family}/*"
        "v1-${replace(family, "_", "-")}-${lower(method)}"      = "${method} /v1/${family}"
        "v1-${replace(family, "_", "-")}-${lower(method)}-item" = "${method} /v1/${family}/*"
      }
    ]...)
  ]...)

  openai_operations = merge(local.metered_operations, var.enable_unmetered_operations ? local.unmetered_operations : {})
}

resource "azurerm_api_management_api_operation" "openai" {
  for_each = local.openai_operations

  operation_id        = each.key
  api_name            = azurerm_api_management_api.openai.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = azurerm_resource_group.main.name
  display_name        = each.key
  method              = split(" ", each.value)[0]
  url_template        = split(" ", each.value)[1]

  # One per {parameter} of the template (APIM requires them to match).
  dynamic "template_parameter" {
    for_each = [for match in regexall("\\{([a-z-]+)\\}", split(" ", each.value)[1]) : match[0]]
    content {
      name     = template_parameter.value
      required = true
      type     = "string"
    }
  }
}
