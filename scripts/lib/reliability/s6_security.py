"""Scenario 6: hostile and unauthorised posts, billing dodges, scoped report keys."""
import json
import random
import secrets

import envelopes
import load
import verify
from procs import Keys
from common import subscriptions, wait_drained, in_background, non_2xx


def answered_envelope(ctx, rid, subscription, text):
    """A 200 chat envelope carrying `text` as its responseBody (application/json), without a requestBody."""
    return envelopes.envelope(rid, subscription, "gpt-4o", ctx.day + "T10:00:00Z", None, text, "application/json", False).encode()


def deep_response(ctx):
    """A response nested 5,000 deep (the canary at the bottom) with its usage beside: the client got that
    answer, so it is billed from the usage it reports; the deep member is skipped, never kept."""
    text = ('{"x":' + "[" * 5000 + '"' + ctx.canary.values["refused-envelope"] + '"' + "]" * 5000
            + ',"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}')
    expected = {"requests": 1, "inputTokens": 10, "cachedInputTokens": 0, "outputTokens": 5, "errors": 0}
    return envelopes.Event("sec-deep-body", "rel-security-deep", "gpt-4o", ctx.day,
                           answered_envelope(ctx, "sec-deep-body", "rel-security-deep", text), expected)


def unreadable_response(ctx):
    """A response that is not JSON although it says so (the canary inside): recorded once, estimated and
    flagged response_unreadable. No requestBody, so no input; the output is ⌈responseBodyLength ÷ 4⌉."""
    text = '{"choices":[{"message":{"content":"' + ctx.canary.values["refused-envelope"] + '"}}],"usage":{"prompt_tokens":'
    expected = {"requests": 1, "inputTokens": 0, "cachedInputTokens": 0, "outputTokens": (len(text.encode()) + 3) // 4, "errors": 0}
    return envelopes.Event("sec-unreadable-body", "rel-security-unreadable", "gpt-4o", ctx.day,
                           answered_envelope(ctx, "sec-unreadable-body", "rel-security-unreadable", text), expected)


def uncaptured_response(ctx):
    """A 200 whose body APIM did not capture (responseBody null, 6,000,000 bytes, no tail, no request
    body): billed, never 0. Without max_tokens the output is estimated as ⌈responseBodyLength ÷ 4⌉ and
    flagged output_estimated_from_length."""
    body = envelopes.envelope("sec-uncaptured", "rel-security-uncaptured", "gpt-4o", ctx.day + "T10:00:00Z", None, None,
                              "application/json", False, responseBodyLength=6_000_000)
    expected = {"requests": 1, "inputTokens": 0, "cachedInputTokens": 0, "outputTokens": 1_500_000, "errors": 0}
    return envelopes.Event("sec-uncaptured", "rel-security-uncaptured", "gpt-4o", ctx.day, body.encode(), expected)


def fixture(ctx, name):
    """An OpenAI answer from the tests' fixtures (Tests/TestSupport/Fixtures/openai/), as text."""
    return (ctx.app_root / "Tests/TestSupport/Fixtures/openai" / name).read_text()


def responses_envelope(ctx, rid, subscription, method, path, request, response, deployment):
    """A Responses API call as the policy reports it: `method` on `path`, the answer `response` (text)."""
    return envelopes.envelope(rid, subscription, deployment, ctx.day + "T11:00:00Z", request, response, "application/json", False,
                              method=method, path=path, apiVersion="preview").encode()


def deep_tool_schema(ctx):
    """A synchronous Responses answer echoing a tool whose parameters nest 90 levels (over the scanner's
    depth), with its usage after: recorded from that usage, not refused."""
    schema = '{"type":"object","properties":{"a":' * 90 + "{}" + "}}" * 90
    answer = ('{"id":"resp_' + secrets.token_hex(16) + '","object":"response","status":"completed","model":"gpt-4o-2024-11-20",'
              '"tools":[{"type":"function","name":"lookup","parameters":' + schema + '}],'
              '"usage":{"input_tokens":100,"output_tokens":50,"total_tokens":150}}')
    request = '{"model":"gpt-4o","input":"hello","tools":[{"type":"function","name":"lookup","parameters":' + schema + "}]}"
    return responses_envelope(ctx, "sec-deep-tool-schema", "rel-security-schema", "POST", "/openai/v1/responses", request, answer, "gpt-4o")


def shared_response(ctx):
    """A background response created by one subscription (answered `queued`) and its completed result
    fetched by another, then by both again: [(probe name, envelope, expected ingest status)]. The
    result is billed once, to the creator."""
    object_id = "resp_" + secrets.token_hex(20)
    queued = fixture(ctx, "responses-background-queued.json").replace("resp_6924b4aa00c08190ffeeddccbbaa9988", object_id)
    completed = fixture(ctx, "responses.json").replace("resp_6924b3c1d2e48190a1b2c3d4e5f60718", object_id)
    create = responses_envelope(ctx, "sec-object-create", SHARED_CREATOR, "POST", "/openai/v1/responses",
                                '{"model":"o4-mini","input":"hello","background":true}', queued, "o4-mini")
    path = "/openai/v1/responses/" + object_id

    def poll(rid, subscription):
        return responses_envelope(ctx, rid, subscription, "GET", path, None, completed, None)
    return [("Responses: created (background, queued) by its creator", create, "recorded"),
            ("Responses: completed result fetched by a second subscription first", poll("sec-object-poll-1", SHARED_FETCHER), "recorded"),
            ("Responses: fetched again by the second subscription", poll("sec-object-poll-2", SHARED_FETCHER), "duplicate"),
            ("Responses: fetched by its creator", poll("sec-object-poll-3", SHARED_CREATOR), "duplicate")]


SHARED_CREATOR, SHARED_FETCHER = "rel-security-creator", "rel-security-fetcher"
# The completed result's usage (responses.json): 3,120 input of which 2,048 cached, 742 output.
SHARED_OUTPUT_TOKENS = 742


def hostile_bodies(ctx):
    """(name, body bytes, expected status, expected error code or ingest status, ledger event or None) for
    hostile envelopes: each is refused, except a hostile or unreadable response, which the client got and is billed."""
    canary = ctx.canary.values["refused-envelope"]
    base = envelopes.make_event(random.Random(7), "sec-base", "rel-security-00", ctx.day, ctx.canary).body
    bodies = []
    oversized = base[:-1] + b', "padding": "' + (canary.encode() * (16 * 1024 * 1024 // len(canary) + 2)) + b'"}'
    bodies.append(("oversized envelope (> 16 MiB)", oversized, 413, "envelope_too_large", None))
    deep = base[:-1] + b', "' + canary.encode() + b'": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    bodies.append(("envelope nested 100,000 deep", deep, 400, "too_deep", None))
    bodies.append(("envelope nested 65 deep", base[:-1] + b', "x": ' + b"[" * 65 + b"]" * 65 + b"}", 400, "too_deep", None))
    deep_body = deep_response(ctx)
    bodies.append(("response body nested 5,000 deep (recorded once, its usage)", deep_body.body, 200, "recorded", deep_body))
    unreadable = unreadable_response(ctx)
    bodies.append(("response body that is not JSON (recorded once, estimated)", unreadable.body, 200, "recorded", unreadable))
    for name, bad in [("invalid UTF-8 byte 0xFF", b"\xff"), ("overlong UTF-8 (0xC0 0xAF)", b"\xc0\xaf"),
                      ("UTF-16 surrogate in UTF-8 (0xED 0xA0 0x80)", b"\xed\xa0\x80"), ("truncated UTF-8 sequence", b"\xe2\x82")]:
        body = base.replace(b'"Reliability ', b'"Reliability ' + canary.encode() + bad, 1)
        bodies.append((name + " in a string", body, 400, "invalid_utf8", None))
    bodies.append(("invalid UTF-8 at the very end", base[:-1] + b', "' + canary.encode() + b'": "\xf0\x9f"}', 400, "invalid_utf8", None))
    bodies.append(("not JSON at all", canary.encode() + b" {", 400, "invalid_json", None))
    bodies.append(("duplicate subscriptionId", base[:-1] + b', "subscriptionId": "' + canary.encode() + b'"}', 400, "duplicate_field", None))
    return bodies


SCOPED_CENTER, OTHER_CENTER = "CC-SEC-1", "CC-SEC-2"


def security_configuration(ctx, scoped_key, mine, theirs):
    """The repository's cost-center and budget files plus two cost centers of this scenario: SCOPED_CENTER
    (the scoped report key's, by its SHA-256) and OTHER_CENTER, each with its subscriptions and a budget."""
    centers = json.loads((ctx.app_root / "config/cost-centers.json").read_text())
    centers["costCenters"] += [{"id": SCOPED_CENTER, "name": "Security scope", "reportKeySha256": [Keys.sha256(scoped_key)]},
                               {"id": OTHER_CENTER, "name": "Security other"}]
    centers["subscriptions"].update({s: SCOPED_CENTER for s in mine})
    centers["subscriptions"].update({s: OTHER_CENTER for s in theirs})
    budgets = json.loads((ctx.app_root / "config/budgets.json").read_text())
    budgets["budgets"] += [{"id": "security-scope", "scope": "costCenter", "target": SCOPED_CENTER, "monthlyAmount": "1000.00",
                            "channels": ["finops-webhook"]},
                           {"id": "security-other", "scope": "costCenter", "target": OTHER_CENTER, "monthlyAmount": "1000.00",
                            "channels": ["finops-webhook"]}]
    paths = (ctx.work.root / "security-cost-centers.json", ctx.work.root / "security-budgets.json")
    paths[0].write_text(json.dumps(centers, indent=1))
    paths[1].write_text(json.dumps(budgets, indent=1))
    return paths


def security(ctx):
    """Scenario 6: 401/4xx probes and key attacks while the load generator runs. Returns (check, probes,
    figures, ledger); main.py adds the canary scan."""
    keys = ctx.keys
    scoped_key = keys.cost_center
    mine, theirs = subscriptions("security-cc1", 3), subscriptions("security-cc2", 3)
    centers, budgets = security_configuration(ctx, scoped_key, mine, theirs)
    redis = ctx.redis("security")
    host = ctx.host("security", redis.url, extra_env={"CHARGEBACK_COST_CENTERS": str(centers), "CHARGEBACK_BUDGETS": str(budgets)},
                    named_keys={"cost-center-sec-1": scoped_key, "apim-ingest": keys.ingest})
    view = ctx.view(redis.url)
    check = verify.Check()
    ledger = load.Ledger()
    probes = []
    # What only a reader of OTHER_CENTER may see: its id, its subscriptions, its budget.
    foreign = [OTHER_CENTER.encode(), b"rel-security-cc2-", b"security-other"]

    def probe(name, method, path, headers, body=None, want=(), event=None, private=False, shows=None, billed=False):
        """One request; `want` lists the acceptable (status, error code or ingest status; None = any).
        `event`: an envelope of the sender's ledger; `billed`: an envelope checked on its own (objects
        billed by their id). `private`: the answer must show nothing of OTHER_CENTER; `shows`: bytes
        the answer must hold."""
        lines = list(headers.items()) if isinstance(headers, dict) else list(headers)
        status, data = host.request_lines(method, path, lines, body=body, timeout=120)
        code, message = None, None
        try:
            parsed = json.loads(data)
            if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
                code, message = parsed["error"].get("code"), parsed["error"].get("message")
            elif isinstance(parsed, dict) and (event is not None or billed):
                code = parsed.get("status")
        except (ValueError, UnicodeDecodeError):
            pass
        if event is not None:
            ledger.record(event.rid, status, load.outcome_of(status, data), host.name)
        leaked = [needle.decode() for needle in foreign if private and needle in data]
        missing = shows is not None and shows not in data
        ok = (any(status == s and (c is None or code == c) for s, c in want) and (status < 400 or bool(message))
              and not leaked and not missing)
        probes.append({"probe": name, "status": status, "code": code, "message": (message or "")[:200], "ok": bool(ok),
                       "kind": "ingest" if path.startswith("/api/v1/ingest") else method, "ledger": event is not None, "billed": billed,
                       "expected": [list(w) for w in want]})
        wanted = " or ".join(f"{s}{' ' + c if c else ''}" for s, c in want)
        check.add(f"{name} → {wanted}" + (f" showing {shows.decode()}" if shows else "") + (f", nothing of {OTHER_CENTER}" if private else ""),
                  ok, f"{status} {code or ''}" + (f": {message[:160]}" if message else "") + (f"; LEAKED {leaked}" if leaked else "")
                  + (f"; {shows.decode()} missing" if missing else ""))
        return status, code

    ingest_key, report_key = {"x-functions-key": keys.ingest}, {"x-functions-key": keys.report}
    wrong = {"x-functions-key": "not-" + keys.ingest}
    unauthorized, forbidden = [(401, "unauthorized")], [(403, "forbidden")]
    # A second key value is refused by the host (401 unauthorized) or, when the host accepted the first, by the handler.
    ambiguous = [(401, "ambiguous_key"), (401, "unauthorized")]
    json_type = {"Content-Type": "application/json"}

    ledger.set_phase("load with probes")
    pool = load.Pool(ledger, ctx.headers, 4, 1)
    thread = in_background(pool, load.until_stopped(ctx.event_maker("sec", mine + theirs), [host], ledger, pool.stop))
    try:
        verify.wait_until(lambda: len(ledger.acknowledged()) >= 60, 20, interval=0.1)
        body = envelopes.make_event(random.Random(3), "sec-nokey", "rel-security-00", ctx.day, ctx.canary).body
        probe("ingest without a key", "POST", "/api/v1/ingest", json_type, body, unauthorized)
        probe("ingest with a wrong key", "POST", "/api/v1/ingest", {**wrong, **json_type}, body, unauthorized)
        probe("ingest with the key in ?code= of another value", "POST", "/api/v1/ingest?code=nope", json_type, body, unauthorized)
        for name, key in [("the host's default key", keys.default), ("the master key", keys.master),
                          ("the full-access report key", keys.report), ("a cost-center report key", scoped_key)]:
            probe(f"ingest with {name}", "POST", "/api/v1/ingest", {"x-functions-key": key, **json_type}, body, forbidden)
        probe("ingest with the ingest key twice (header and ?code=)", "POST", f"/api/v1/ingest?code={keys.ingest}",
              {**ingest_key, **json_type}, body, ambiguous)
        for name, path in [("chargeback report", f"/api/v1/chargeback/report?from={ctx.day}&to={ctx.day}&format=csv"),
                           ("usage summary", f"/api/v1/usage/summary?from={ctx.day}&to={ctx.day}"),
                           ("budget status", "/api/v1/budget/status?costCenter=unassigned")]:
            probe(f"{name} without a key", "GET", path, {}, None, unauthorized)
            probe(f"{name} with a wrong key", "GET", path, wrong, None, unauthorized)
        # A cost-center key of SCOPED_CENTER in every shape that could make the host and the handler read different keys.
        reports = [("usage summary", f"/api/v1/usage/summary?from={ctx.day}&to={ctx.day}&groupBy=costCenter"),
                   ("chargeback report", f"/api/v1/chargeback/report?from={ctx.day}&to={ctx.day}&format=json"),
                   ("budget status", f"/api/v1/budget/status?costCenter={OTHER_CENTER}")]
        for name, path in reports:
            smuggled = [
                ("repeated ?code= with junk", f"{path}&code={scoped_key}&code=x", {}),
                ("the same key twice in ?code=", f"{path}&code={scoped_key}&code={scoped_key}", {}),
                ("header and ?code= disagree", f"{path}&code={keys.report}", {"x-functions-key": scoped_key}),
                ("header and ?code= disagree the other way", f"{path}&code={scoped_key}", report_key),
            ]
            for shape, target, headers in smuggled:
                probe(f"{name}, cost-center key: {shape}", "GET", target, headers, None, ambiguous, private=True)
            probe(f"{name}, cost-center key: repeated x-functions-key header", "GET", path,
                  [("x-functions-key", scoped_key), ("x-functions-key", "x")], None, ambiguous, private=True)
            probe(f"{name}, cost-center key: a comma in the value", "GET", path, {"x-functions-key": scoped_key + ",x"}, None,
                  ambiguous, private=True)
            probe(f"{name} with the master key", "GET", path, {"x-functions-key": keys.master}, None, forbidden, private=True)
            probe(f"{name} with the host's default key", "GET", path, {"x-functions-key": keys.default}, None, forbidden, private=True)
            # This host also holds the ingest key as a host key, as Terraform registers it for APIM (`apim-ingest`),
            # so it lets the key through to every function: the refusal is the handler's own role check.
            probe(f"{name} with the ingest key", "GET", path, ingest_key, None, forbidden, private=True)
        for name, key in [("the ingest key", keys.ingest), ("a cost-center report key", scoped_key), ("the master key", keys.master),
                          ("the host's default key", keys.default)]:
            probe(f"metrics with {name}", "GET", "/api/v1/metrics", {"x-functions-key": key}, None, forbidden, private=True)
        probe("admin rollup with the ingest key", "POST", "/admin/functions/rollup", ingest_key, None, unauthorized)
        probe("admin rollup with the report key", "POST", "/admin/functions/rollup", report_key, None, unauthorized)
        probe("health without a key (anonymous)", "GET", "/api/v1/health", {}, None, [(200, None)])
        # Controls: the cost-center key reads its own cost center only; the full-access key sees OTHER_CENTER
        # (so the search for its data above would have found it).
        for name, path in reports:
            own = path.replace(f"costCenter={OTHER_CENTER}", f"costCenter={SCOPED_CENTER}")
            probe(f"{name} with the cost-center key alone (control)", "GET", own, {"x-functions-key": scoped_key}, None,
                  [(200, None)], private=True, shows=SCOPED_CENTER.encode())
            status, data = host.request("GET", path, headers=report_key, timeout=60)
            check.add(f"{name} with the full-access report key shows {OTHER_CENTER} (control for the search)",
                      status == 200 and foreign[0] in data, f"{status}, {len(data)} bytes")
        for name, data, status, code, event in hostile_bodies(ctx):
            if event is not None:
                ledger.add(event)
            probe(name, "POST", "/api/v1/ingest", {**ingest_key, **ctx.headers, **json_type}, data, [(status, code)], event=event)
        # Billing dodges: an answer too large to capture, an answer too deep to scan, a result fetched elsewhere.
        uncaptured = uncaptured_response(ctx)
        ledger.add(uncaptured)
        probe("uncaptured 200 (responseBody null, responseBodyLength 6,000,000): billed from the length", "POST", "/api/v1/ingest",
              {**ingest_key, **json_type}, uncaptured.body, [(200, "recorded")], event=uncaptured)
        probe("Responses answer echoing a 90-level tool schema: recorded from its usage", "POST", "/api/v1/ingest",
              {**ingest_key, **json_type}, deep_tool_schema(ctx), [(200, "recorded")], billed=True)
        for name, data, outcome in shared_response(ctx):
            probe(name, "POST", "/api/v1/ingest", {**ingest_key, **json_type}, data, [(200, outcome)], billed=True)
    finally:
        pool.stop.set()
        thread.join()
    wait_drained(ctx, [host], check)
    rids = list(ledger.events)
    figures = verify.exactly_once(check, ledger, view, rids, ctx.day)
    unreadable = unreadable_response(ctx)
    counted = view.subscriptions([unreadable.subscription], ctx.day)[unreadable.subscription]["deployments"].get("gpt-4o", {})
    check.add("the unreadable response was counted once, as estimated",
              counted.get("requests") == 1 and counted.get("estimatedRequests") == 1, f"counters {counted}")
    check.add("the uncaptured 200 was billed output tokens (never 0)", figures["counters"][("rel-security-uncaptured", "gpt-4o", "outputTokens")] > 0,
              f"outputTokens {figures['counters'][('rel-security-uncaptured', 'gpt-4o', 'outputTokens')]}")
    billed_alone = ["rel-security-schema", SHARED_CREATOR, SHARED_FETCHER]
    verify.check_summary(check, host, ctx.day, figures["expected"], ignore=billed_alone)
    _, schema = verify.read_ledger(view, ["rel-security-schema"], ctx.day)
    totals = verify.per_subscription(schema)["rel-security-schema"]
    check.add("the 90-level tool schema answer counted once from its usage (100 in, 50 out)",
              (totals["requests"], totals["inputTokens"], totals["outputTokens"]) == (1, 100, 50), f"counters {dict(totals)}")
    _, shared = verify.read_ledger(view, [SHARED_CREATOR, SHARED_FETCHER], ctx.day)
    shared = verify.per_subscription(shared)
    status, summary = verify.usage_summary(host, ctx.day)
    creator, fetcher = (summary or {}).get(SHARED_CREATOR, {}), (summary or {}).get(SHARED_FETCHER)
    check.add("the Responses result fetched by a second subscription is billed once, to its creator (Redis and usage summary)",
              shared[SHARED_CREATOR]["outputTokens"] == SHARED_OUTPUT_TOKENS and not shared[SHARED_FETCHER]
              and creator.get("outputTokens") == SHARED_OUTPUT_TOKENS and fetcher is None,
              f"Redis: creator {dict(shared[SHARED_CREATOR])}, fetcher {dict(shared[SHARED_FETCHER])}; "
              f"usage summary ({status}): creator {creator}, fetcher {fetcher}")
    seen, counters = verify.read_ledger(view, ["rel-security-00"], ctx.day)
    check.add("nothing refused was counted", not seen and not counters, f"markers {sorted(seen)[:3]}, counters {dict(counters)}")
    refused = [p for p in probes if p["kind"] == "ingest" and not p["ledger"] and not p["billed"]]
    accepted = [p for p in refused if 200 <= p["status"] < 300]
    check.add("no refused or unauthorised ingest post was acknowledged", not accepted,
              f"{len(accepted)} of {len(refused)} answered 2xx: {[p['probe'] for p in accepted][:5]}")
    ctx.save_reports("security", host)
    host.stop()
    load_events = len(ledger.events) - sum(1 for p in probes if p["ledger"])
    # Every ingest post: the ledger's, the refused ones, and those billed by object id (checked on their own above).
    posts = ledger.deliveries() + len(refused) + sum(1 for p in probes if p["billed"])
    figures.update({"sent": figures["sent"] + len(refused), "acknowledged": figures["acknowledged"] + len(accepted),
                    "counted": figures["counted"] + len(seen), "probes": len(probes), "posts": posts,
                    "requests": posts + sum(1 for p in probes if p["kind"] != "ingest"),
                    "non_2xx": sum(1 for p in probes if not p["ledger"] and not 200 <= p["status"] < 300) + non_2xx(ledger),
                    "load_events": load_events})
    return check, probes, figures, ledger
