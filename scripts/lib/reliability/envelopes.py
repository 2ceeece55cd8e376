"""Contract v1 envelopes (shapes copied from docs/examples/, validated by docs/payload-contract.schema.json)
with per-event token counts the sender knows, and canary strings planted where no byte may be kept.
The one envelope builder of the harness: the reliability suite's events and scripts/bench's templates.
It stays in Python on purpose: the expected meters are written down here, independently of the Swift
extraction they check."""
import base64
import json
import random
import secrets

METERS = ("requests", "inputTokens", "cachedInputTokens", "outputTokens", "errors")
# Snapshot line meters (docs/price-book.md) for the token meters above.
SNAPSHOT_METERS = {"inputTokens": "input", "cachedInputTokens": "cachedInput", "outputTokens": "output"}
DEPLOYMENTS = ("gpt-4o", "gpt-4o-mini", "gpt-41")


class Canary:
    """Unique strings, one per place they are planted; `needles` are every form a leak could take."""

    PLACES = ("prompt", "completion", "envelope-subscription-key", "envelope-api-key", "http-subscription-key",
              "http-api-key", "http-authorization", "http-other-header", "error-message", "refused-envelope")

    def __init__(self):
        self.core = "cnry" + secrets.token_hex(10)
        self.values = {place: f"{self.core}-{place}" for place in self.PLACES}

    def needles(self):
        """The core (every value contains it) in plain, upper case, and base64 at the three alignments."""
        forms = {"plain": self.core.encode(), "upper": self.core.upper().encode()}
        for shift in range(3):
            encoded = base64.b64encode(b"x" * shift + self.core.encode())
            # Drop the characters that depend on the padding prefix and the tail.
            inner = encoded[4 if shift else 0:-4]
            if len(inner) >= 12:
                forms[f"base64+{shift}"] = inner
        forms["hex"] = self.core.encode().hex().encode()
        return forms

    def http_headers(self):
        return {
            "Ocp-Apim-Subscription-Key": self.values["http-subscription-key"],
            "api-key": self.values["http-api-key"],
            "Authorization": "Bearer " + self.values["http-authorization"],
            "X-Team-Note": self.values["http-other-header"],
        }


def chat_json(prompt_tokens, cached, completion, prompt, answer, model="gpt-4o-2024-11-20"):
    """(request body, response body, content type, stream flag) of a chat completion answered in JSON."""
    request = {"model": "gpt-4o", "messages": [{"role": "system", "content": "You are terse."},
                                              {"role": "user", "content": prompt}]}
    response = {
        "choices": [{"finish_reason": "stop", "index": 0, "logprobs": None,
                     "message": {"content": answer, "refusal": None, "role": "assistant"}}],
        "created": 1764489600, "id": "chatcmpl-" + secrets.token_hex(8), "model": model, "object": "chat.completion",
        "usage": {"completion_tokens": completion, "prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + completion,
                  "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": cached},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
    }
    return json.dumps(request), json.dumps(response, indent=1), "application/json", False


def chat_sse(prompt_tokens, cached, completion, prompt, words, model="gpt-4o-2024-11-20"):
    """The same, streamed: one chunk per word, then the include_usage chunk and [DONE]."""
    request = {"model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True},
               "messages": [{"role": "user", "content": prompt}]}
    ident = "chatcmpl-" + secrets.token_hex(8)
    chunks = [{"choices": [], "created": 0, "id": "", "model": "", "object": "", "prompt_filter_results": [], "usage": None}]
    for word in words:
        chunks.append({"choices": [{"delta": {"content": word}, "finish_reason": None, "index": 0}], "created": 1764490000,
                       "id": ident, "model": model, "object": "chat.completion.chunk", "usage": None})
    chunks.append({"choices": [{"delta": {}, "finish_reason": "stop", "index": 0}], "created": 1764490000, "id": ident,
                   "model": model, "object": "chat.completion.chunk", "usage": None})
    chunks.append({"choices": [], "created": 1764490000, "id": ident, "model": model, "object": "chat.completion.chunk",
                   "usage": {"completion_tokens": completion, "prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + completion,
                             "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": cached},
                             "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}})
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return json.dumps(request), body, "text/event-stream; charset=utf-8", True


def envelope(rid, subscription, deployment, timestamp, request_body, response_body, content_type, stream, **fields):
    """One outbound envelope (contract v1) as JSON text. A body that is None was not captured: the
    request's is left out, the response's is null. `fields` add or replace envelope fields last
    (e.g. path, method, source, statusCode, responseBodyLength)."""
    body = {"schemaVersion": 1, "source": "outbound", "requestId": rid, "timestamp": timestamp, "subscriptionId": subscription,
            "path": f"/openai/deployments/{deployment}/chat/completions", "deployment": deployment, "statusCode": 200,
            "isStream": stream, "responseContentType": content_type}
    if request_body is not None:
        body.update({"requestBody": request_body, "requestBodyLength": len(request_body.encode())})
    body["responseBody"] = response_body
    if response_body is not None:
        body["responseBodyLength"] = len(response_body.encode())
    body.update(fields)
    return json.dumps(body)


class Event:
    """One request the gateway would report: its envelope and the meters the ledger must count."""
    __slots__ = ("rid", "subscription", "deployment", "day", "body", "expected")

    def __init__(self, rid, subscription, deployment, day, body, expected):
        self.rid, self.subscription, self.deployment, self.day = rid, subscription, deployment, day
        self.body, self.expected = body, expected


def make_event(rng, rid, subscription, day, canary):
    """A chat (60 %), streamed chat with include_usage (30 %) or on-error 429 (10 %) envelope."""
    deployment = rng.choice(DEPLOYMENTS)
    hour = rng.randrange(24)
    timestamp = f"{day}T{hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(10**7):07d}Z"
    kind = rng.random()
    fields = {
        "elapsedMs": round(rng.uniform(50, 5000), 1), "subscriptionName": "Reliability " + subscription, "productId": "openai-standard",
        "userId": "1", "apiId": "azure-openai", "operationId": "ChatCompletions_Create", "method": "POST", "apiVersion": "2024-10-21",
        "gatewayRegion": "West Europe", "backendRegion": "Sweden Central",
        # Not contract fields (unknown fields are ignored): what a careless policy might forward.
        "requestHeaders": {"Ocp-Apim-Subscription-Key": canary.values["envelope-subscription-key"],
                           "api-key": canary.values["envelope-api-key"]},
    }
    if kind < 0.9:
        prompt = rng.randrange(20, 6000)
        cached = rng.randrange(0, prompt // 2 + 1)
        completion = rng.randrange(1, 1500)
        if kind < 0.6:
            built = chat_json(prompt, cached, completion, "Summarise " + canary.values["prompt"], "Here: " + canary.values["completion"])
        else:
            built = chat_sse(prompt, cached, completion, "Explain " + canary.values["prompt"],
                             ("Chargeback", " for", " " + canary.values["completion"], "."))
        expected = {"requests": 1, "inputTokens": prompt - cached, "cachedInputTokens": cached, "outputTokens": completion, "errors": 0}
    else:
        built = (json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": canary.values["prompt"]}]}),
                 json.dumps({"statusCode": 429, "message": "Rate limit is exceeded. " + canary.values["completion"]}), "application/json", False)
        fields.update({"source": "on-error", "statusCode": 429,
                       "lastError": {"source": "rate-limit-by-key", "reason": "RateLimitExceeded",
                                     "message": "Rate limit exceeded " + canary.values["error-message"]}})
        expected = {"requests": 1, "inputTokens": 0, "cachedInputTokens": 0, "outputTokens": 0, "errors": 1}
    body = envelope(rid, subscription, deployment, timestamp, *built, **fields)
    return Event(rid, subscription, deployment, day, body.encode(), expected)


def make_events(prefix, count, subscriptions, day, canary, seed):
    rng = random.Random(seed)
    return [make_event(rng, f"{prefix}-{i:06d}", subscriptions[i % len(subscriptions)], day, canary) for i in range(count)]
