"""Streaming modes (relay mode issue, item 4): time to the first content token and the delay between
content chunks of a streamed chat call, made directly to the synthetic upstream and through the APIM
twin in each stream mode (passthrough, buffered, relay: the twin → functions-host, proxying → the
handler's relay → the upstream), one call at a time, the same calls in each. Then what the ledger
counted for the relayed calls: every one, with reported usage (none estimated).

measure(...) returns the figures for results.json; scripts/bench runs it (STREAM_CALLS, default 60)."""
import hashlib
import http.client
import json
import os
import pathlib
import secrets
import statistics
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODES = ("passthrough", "buffered", "relay")
# A subscription of its own per mode (config/local-subscriptions.json), so the relay's count is its own.
SUBSCRIPTIONS = json.loads((ROOT / "config/local-subscriptions.json").read_text())["subscriptions"]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def stream_call(port, key, tag):
    """(seconds to the first content chunk, [seconds between content chunks]) of one streamed call."""
    body = json.dumps({"messages": [{"role": "user", "content": f"Stream a short answer ({tag})."}], "max_tokens": 20, "stream": True})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("POST", "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", body,
                       {"api-key": key, "Content-Type": "application/json"})
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"stream_latency: {response.status} from port {port}: {response.read()[:200]!r}")
    first, last, gaps = None, None, []
    while True:
        line = response.fp.readline()
        if not line or b"[DONE]" in line:
            break
        if b'"content"' in line:
            now = time.perf_counter()
            if first is None:
                first = now - started
            else:
                gaps.append(now - last)
            last = now
    connection.close()
    if first is None:
        raise SystemExit(f"stream_latency: no content chunk from port {port}")
    return first, gaps


def figures(firsts, gaps):
    return {"firstTokenP50Ms": round(statistics.median(firsts) * 1000, 2), "firstTokenP90Ms": round(percentile(firsts, 0.9) * 1000, 2),
            "interChunkP50Ms": round(statistics.median(gaps) * 1000, 2), "interChunkP99Ms": round(percentile(gaps, 0.99) * 1000, 2)}


def measure(bin_dir, redis_url, work, start, free_port, calls=60, event_delay_ms=10, log=print):
    """start(arguments, env, ready) starts a process (stopped by the caller); free_port() a port."""
    ingest_key, report_key = secrets.token_hex(16), secrets.token_hex(16)
    ports = {name: free_port() for name in ("host", "upstream", *MODES)}
    start([str(bin_dir / "local-gateway"), "upstream", "--port", str(ports["upstream"]), "--event-delay-ms", str(event_delay_ms)],
          {}, f"http://127.0.0.1:{ports['upstream']}/")
    start([str(bin_dir / "functions-host"), "--app-root", str(ROOT), "--port", str(ports["host"]), "--function-key", secrets.token_hex(16),
           "--master-key", secrets.token_hex(16), "--function-level-key", f"ingest={ingest_key}", "--function-level-key", f"relay={ingest_key}",
           "--function-level-key", f"usage-summary={report_key}"],
          {"PATH": f"{bin_dir}:{os.environ['PATH']}", "REDIS_CONNECTION_STRING": redis_url, "CHARGEBACK_SPOOL_DIR": str(work / "spool-stream"),
           "CHARGEBACK_INGEST_KEY_SHA256": hashlib.sha256(ingest_key.encode()).hexdigest(),
           "CHARGEBACK_REPORT_KEY_SHA256": hashlib.sha256(report_key.encode()).hexdigest(),
           "CHARGEBACK_RELAY_UPSTREAM": f"http://127.0.0.1:{ports['upstream']}", "CHARGEBACK_RELAY_AUTH": "none"},
          f"http://127.0.0.1:{ports['host']}/api/v1/health")
    for mode in MODES:
        start([str(bin_dir / "local-gateway"), "gateway", "--port", str(ports[mode]), "--upstream", f"http://127.0.0.1:{ports['upstream']}",
               "--stream-mode", mode, "--ingest", f"http://127.0.0.1:{ports['host']}/api/v1/ingest",
               "--relay", f"http://127.0.0.1:{ports['host']}/api/v1/relay", "--subscriptions", str(ROOT / "config/local-subscriptions.json")],
              {"FUNCTIONS_FUNCTION_KEY": ingest_key}, f"http://127.0.0.1:{ports[mode]}/")
    names = ("direct", *MODES)
    subscription = {name: SUBSCRIPTIONS[index] for index, name in enumerate(names)}
    before = usage(ports["host"], report_key, subscription["relay"]["id"])
    result = {"calls": calls, "upstreamEventDelayMs": event_delay_ms}
    # Interleaved, call by call, so a drift of the machine touches every mode alike.
    samples = {name: ([], []) for name in names}

    def call(name, tag):
        return stream_call(ports["upstream"] if name == "direct" else ports[name], subscription[name]["key"], tag)

    for name in names:
        call(name, "warm-up")
    for index in range(calls):
        for name, (firsts, gaps) in samples.items():
            first, between = call(name, f"{name} {index}")
            firsts.append(first)
            gaps.extend(between)
    for name, (firsts, gaps) in samples.items():
        result[name] = figures(firsts, gaps)
        log(f"{name:12} first token p50 {result[name]['firstTokenP50Ms']:7.2f} ms, p90 {result[name]['firstTokenP90Ms']:7.2f} ms; "
            f"between chunks p50 {result[name]['interChunkP50Ms']:6.2f} ms, p99 {result[name]['interChunkP99Ms']:6.2f} ms")
    # What the ledger counted for the relayed calls. The relay records after the client has read
    # data: [DONE] (before it ends the stream), so the last call may be a moment behind.
    for _ in range(50):
        after = usage(ports["host"], report_key, subscription["relay"]["id"])
        if after[0] - before[0] >= calls + 1:
            break
        time.sleep(0.1)
    result["relayCounted"] = {"calls": calls + 1, "requests": after[0] - before[0], "estimated": after[1] - before[1]}
    log(f"relay: {calls + 1} calls, {result['relayCounted']['requests']} counted, {result['relayCounted']['estimated']} estimated")
    return result


def usage(host_port, report_key, subscription):
    """(requests, estimated requests) counted today for a subscription (usage summary, UTC)."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    request = urllib.request.Request(f"http://127.0.0.1:{host_port}/api/v1/usage/summary?from={day}&to={day}&subscription={subscription}",
                                     headers={"x-functions-key": report_key})
    totals = json.loads(urllib.request.urlopen(request, timeout=10).read())["totals"]
    return totals["requests"], totals["estimatedRequests"]
