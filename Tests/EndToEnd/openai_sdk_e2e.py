"""End to end with a client nobody here wrote: the official OpenAI Python SDK talks to the local APIM
twin (buffered and passthrough), which forwards to the synthetic upstream and posts envelopes to the
chargeback handler under functions-host, on a real Redis. For chat (plain; a reasoning model; streamed with and
without include_usage), embeddings, Responses (plain and streamed), the /openai/v1 API and the OpenAI-style
/api/v1/openai API (plain and streamed), the tokens
recorded equal what the SDK reported, exactly; after the rollup, every report line's exact cost equals the
price book's arithmetic, every digit (the shown cost, rounded so rows add up, is within a micro-unit). Passthrough streams reach the client as they are made and
are recorded as estimated; buffered ones arrive in one piece; relay streams (through the handler, which the host proxies) arrive as
they are made and are recorded exactly, the usage chunk the relay asked for kept from the SDK, a client that stops halfway is
recorded as estimated, and a stream whose handler is killed mid-way breaks for the client and is still counted once, estimated
(the next handler adopts the dead one's write-ahead estimate).
Usage: openai_sdk_e2e.py CHARGEBACK_BIN_DIR   (env REDIS_PLAIN_URL)"""
import datetime
import hashlib
import json
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal

import openai

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.argv[1])
REDIS = os.environ["REDIS_PLAIN_URL"]
run = secrets.token_hex(3)
CASES = ["chat", "reasoning", "chat-stream-usage", "chat-stream-injected", "embeddings", "responses", "responses-stream", "v1-chat",
         "compat-chat", "compat-stream", "passthrough-stream", "relay-stream", "relay-stream-usage", "relay-responses-stream", "relay-stop-halfway",
         "relay-handler-killed", "relay-while-restarting"]
subscription = {case: f"sdk-{run}-{case}" for case in CASES}
key = {case: f"key-{run}-{case}" for case in CASES}
day = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)).date().isoformat()
moment = f"{day}T12:00:00Z"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("  FAIL", message, file=sys.stderr)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def wait_ready(url, process, name):
    for _ in range(600):
        try:
            get(url)
            return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"e2e: {name} exited: {process.stdout.read() if process.stdout else ''}")
            time.sleep(0.05)
    sys.exit(f"e2e: {name} never answered {url}")


temp = pathlib.Path(tempfile.mkdtemp(prefix="sdk-e2e-"))
(temp / "subscriptions.json").write_text(json.dumps({"subscriptions": [
    {"key": key[case], "id": subscription[case], "name": case, "productId": "azure-openai-chargeback"} for case in CASES]}))
# Two keys, one role each: the twins post envelopes with the ingest key (FUNCTIONS_FUNCTION_KEY, a
# function-level key of ingest, like APIM's); the reports are read with the report key. The handler
# gets their SHA-256 through the host's environment.
ingest_key, report_key = secrets.token_hex(16), secrets.token_hex(16)
ports = {name: free_port() for name in ["host", "upstream", "buffered", "passthrough", "relay"]}
environment = dict(os.environ, REDIS_CONNECTION_STRING=REDIS, CHARGEBACK_SPOOL_DIR=str(temp / "spool"),
                   PATH=f"{BIN}:{os.environ['PATH']}",
                   CHARGEBACK_INGEST_KEY_SHA256=hashlib.sha256(ingest_key.encode()).hexdigest(),
                   CHARGEBACK_REPORT_KEY_SHA256=hashlib.sha256(report_key.encode()).hexdigest())
processes = []


def handler_pid(host_pid):
    """The chargeback handler functions-host runs (its child)."""
    for task in pathlib.Path(f"/proc/{host_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if pathlib.Path(f"/proc/{child}/comm").read_text().strip() == "chargeback":
                return int(child)
    raise SystemExit("e2e: functions-host runs no chargeback handler")


def start(name, arguments, ready, extra_environment=None):
    log = open(temp / f"{name}.log", "w")
    process = subprocess.Popen(arguments, env=dict(environment, **(extra_environment or {})), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    processes.append(process)
    wait_ready(ready, process, name)


try:
    start("host", [str(BIN / "functions-host"), "--app-root", str(ROOT), "--port", str(ports["host"]), "--function-key", secrets.token_hex(16),
                   "--master-key", secrets.token_hex(16), "--function-level-key", f"ingest={ingest_key}", "--function-level-key", f"owner={ingest_key}",
                   "--function-level-key", f"relay={ingest_key}", "--named-function-key", f"report={report_key}"], f"http://127.0.0.1:{ports['host']}/",
          {"CHARGEBACK_RELAY_UPSTREAM": f"http://127.0.0.1:{ports['upstream']}", "CHARGEBACK_RELAY_AUTH": "none"})
    start("upstream", [str(BIN / "local-gateway"), "upstream", "--port", str(ports["upstream"]), "--event-delay-ms", "15"],
          f"http://127.0.0.1:{ports['upstream']}/")
    for mode in ["buffered", "passthrough", "relay"]:
        start(mode, [str(BIN / "local-gateway"), "gateway", "--port", str(ports[mode]), "--upstream", f"http://127.0.0.1:{ports['upstream']}",
                     "--ingest", f"http://127.0.0.1:{ports['host']}/api/v1/ingest", "--subscriptions", str(temp / "subscriptions.json"),
                     "--relay", f"http://127.0.0.1:{ports['host']}/api/v1/relay",
                     "--stream-mode", mode, "--test-headers"], f"http://127.0.0.1:{ports[mode]}/", {"FUNCTIONS_FUNCTION_KEY": ingest_key})

    def azure(case, api_version="2024-10-21", mode="buffered"):
        return openai.AzureOpenAI(azure_endpoint=f"http://127.0.0.1:{ports[mode]}", api_key=key[case], api_version=api_version,
                                  default_headers={"x-twin-timestamp": moment}, max_retries=0)

    reported = {}  # case → (deployment, prompt incl. cached, cached, completion, reasoning)
    long_text = " ".join(["chargeback"] * 5000)  # over 1,024 prompt tokens: the upstream reports cached tokens

    answer = azure("chat").chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": long_text}], max_tokens=40)
    usage = answer.usage
    reported["chat"] = ("gpt-4o", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens,
                        usage.completion_tokens_details.reasoning_tokens)
    check(usage.prompt_tokens_details.cached_tokens > 0, "the long chat prompt should report cached tokens")

    usage = azure("reasoning").chat.completions.create(model="o3", messages=[{"role": "user", "content": "Think, then answer."}],
                                                       max_completion_tokens=200).usage
    reported["reasoning"] = ("o3", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens,
                             usage.completion_tokens_details.reasoning_tokens)
    check(usage.completion_tokens_details.reasoning_tokens > 0, "o3 should report reasoning tokens")

    def stream_chat(case, mode="buffered", **options):
        started = time.monotonic()
        first = None
        usage = None
        for chunk in azure(case, mode=mode).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Stream a short answer about budgets."}], max_tokens=30, stream=True, **options):
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.monotonic() - started
            if chunk.usage is not None:
                usage = chunk.usage
        return usage, first, time.monotonic() - started

    usage, first, total = stream_chat("chat-stream-usage", stream_options={"include_usage": True})
    check(usage is not None, "a stream with include_usage must end with usage")
    reported["chat-stream-usage"] = ("gpt-4o", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens, 0)
    check(first is not None and first > 0.8 * total, f"buffered mode: the stream should arrive in one piece (first content at {first:.3f} s of {total:.3f} s)")

    usage, _, _ = stream_chat("chat-stream-injected")
    check(usage is not None, "buffered mode injects include_usage: the SDK should also see the usage chunk")
    reported["chat-stream-injected"] = ("gpt-4o", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens, 0)

    embedding = azure("embeddings").embeddings.create(model="text-embedding-3-small", input=["cost center", "monthly budget for the team"])
    reported["embeddings"] = ("text-embedding-3-small", embedding.usage.prompt_tokens, 0, 0, 0)

    response = azure("responses", api_version="2025-04-01-preview").responses.create(model="gpt-41", input="Summarise the invoice.", max_output_tokens=60)
    usage = response.usage
    reported["responses"] = ("gpt-41", usage.input_tokens, usage.input_tokens_details.cached_tokens, usage.output_tokens,
                             usage.output_tokens_details.reasoning_tokens)

    completed = None
    for event in azure("responses-stream", api_version="2025-04-01-preview").responses.create(
            model="gpt-41", input="Stream a summary of the ledger.", max_output_tokens=40, stream=True):
        if event.type == "response.completed":
            completed = event.response.usage
    check(completed is not None, "a streamed response must end with response.completed and its usage")
    reported["responses-stream"] = ("gpt-41", completed.input_tokens, completed.input_tokens_details.cached_tokens, completed.output_tokens,
                                    completed.output_tokens_details.reasoning_tokens)

    v1 = openai.OpenAI(base_url=f"http://127.0.0.1:{ports['buffered']}/openai/v1", api_key="not-used",
                       default_headers={"api-key": key["v1-chat"], "x-twin-timestamp": moment}, max_retries=0)
    usage = v1.chat.completions.create(model="gpt-41-mini", messages=[{"role": "user", "content": "hello v1"}], max_tokens=20).usage
    reported["v1-chat"] = ("gpt-41-mini", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens, 0)

    # The brief's client surface: an OpenAI client on <gateway>/api/v1/openai (apim-compat.tf), the
    # deployment named by `model`, plain and streamed without include_usage (the gateway asks for it).
    def compat(case):
        return openai.OpenAI(base_url=f"http://127.0.0.1:{ports['buffered']}/api/v1/openai", api_key="not-used",
                             default_headers={"api-key": key[case], "x-twin-timestamp": moment}, max_retries=0)
    usage = compat("compat-chat").chat.completions.create(model="gpt-41-mini", messages=[{"role": "user", "content": "hello compat"}],
                                                           max_tokens=20).usage
    reported["compat-chat"] = ("gpt-41-mini", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens, 0)
    streamed = None
    for chunk in compat("compat-stream").chat.completions.create(model="gpt-41-mini", messages=[{"role": "user", "content": "stream compat"}],
                                                                 max_tokens=20, stream=True):
        if chunk.usage is not None:
            streamed = chunk.usage
    check(streamed is not None, "OpenAI-style stream: the gateway injects include_usage, so the last chunk carries the usage")
    if streamed is not None:
        reported["compat-stream"] = ("gpt-41-mini", streamed.prompt_tokens, streamed.prompt_tokens_details.cached_tokens,
                                     streamed.completion_tokens, 0)

    usage, first, total = stream_chat("passthrough-stream", mode="passthrough", stream_options={"include_usage": True})
    check(first is not None and first < 0.5 * total, f"passthrough mode: chunks should arrive as made (first content at {first:.3f} s of {total:.3f} s)")

    # Relay mode: streams reach the client as they are made, through the handler (functions-host
    # proxying), and the usage is reported, never estimated. Without include_usage the SDK sees no
    # usage chunk (the relay asked for it and kept it): the recorded output tokens must equal the
    # content chunks it streamed (the upstream sends one token per chunk).
    relay_words, first, usage = 0, None, None
    started = time.monotonic()
    for max_tokens in (30, 25):
        for chunk in azure("relay-stream", mode="relay").chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": f"Stream {max_tokens} words about budgets."}], max_tokens=max_tokens, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                relay_words += 1
                if first is None:
                    first = time.monotonic() - started
            usage = usage or chunk.usage
        if max_tokens == 30:
            total = time.monotonic() - started
    check(usage is None, "relay mode: the usage chunk the relay asked for must not reach a client that did not ask")
    check(first is not None and first < 0.5 * total, f"relay mode: chunks should arrive as made (first content at {first} s of {total:.3f} s)")
    usage, _, _ = stream_chat("relay-stream-usage", mode="relay", stream_options={"include_usage": True})
    check(usage is not None, "relay mode: a client that asked for usage gets its usage chunk")
    if usage is not None:
        reported["relay-stream-usage"] = ("gpt-4o", usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.completion_tokens, 0)
    completed = None
    for event in azure("relay-responses-stream", api_version="2025-04-01-preview", mode="relay").responses.create(
            model="gpt-41", input="Stream a summary of the ledger.", max_output_tokens=40, stream=True):
        if event.type == "response.completed":
            completed = event.response.usage
    check(completed is not None, "relay mode: a streamed response must end with response.completed and its usage")
    if completed is not None:
        reported["relay-responses-stream"] = ("gpt-41", completed.input_tokens, completed.input_tokens_details.cached_tokens,
                                              completed.output_tokens, completed.output_tokens_details.reasoning_tokens)
    # A client that stops reading halfway: the relay ends the upstream transfer and counts what was sent, estimated.
    stream = azure("relay-stop-halfway", mode="relay").chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "A long answer, please."}], max_tokens=200, stream=True)
    for index, _ in enumerate(stream):
        if index == 5:
            break
    stream.close()

    # The handler killed mid-stream (a crash, an instance recycled): the client's stream breaks (never
    # a complete answer), the host starts a new handler, and its spool replayer adopts the dead one's
    # write-ahead estimate: the call is counted once, estimated (checked below).
    killed = azure("relay-handler-killed", mode="relay").chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "A long answer, please."}], max_tokens=200, stream=True)
    broke = False
    try:
        for index, _ in enumerate(killed):
            if index == 5:
                os.kill(handler_pid(processes[0].pid), signal.SIGKILL)
    except Exception as error:  # httpx reports the cut-off body in its own words
        broke = True
        print(f"relay-handler-killed: the client's stream broke ({type(error).__name__})")
    check(broke, "relay mode: a stream whose handler died must end broken for the client, never as a complete answer")
    # At once, while the host restarts the handler: the twin falls back to Azure OpenAI (or the new
    # handler relays it), and the client's call succeeds either way.
    _, _, _ = stream_chat("relay-while-restarting", mode="relay")
    for _ in range(200):
        try:
            if b'"version"' in urllib.request.urlopen(f"http://127.0.0.1:{ports['host']}/api/v1/health", timeout=2).read():
                break
        except OSError:
            pass
        time.sleep(0.1)

    # Every one-way post answered.
    for mode in ["buffered", "passthrough", "relay"]:
        for _ in range(300):
            stats = json.loads(get(f"http://127.0.0.1:{ports[mode]}/twin/stats"))
            if stats["pending"] == 0:
                break
            time.sleep(0.05)
        check(stats["failed"] == 0 and stats["pending"] == 0, f"{mode} twin: posts failed or pending: {stats}")

    auth = {"x-functions-key": report_key}
    base = f"http://127.0.0.1:{ports['host']}/api/v1"
    print(f"{'case':<22} {'deployment':<24} {'SDK: prompt cached completion reasoning':<42} recorded")
    for case in CASES:
        summary = json.loads(get(f"{base}/usage/summary?from={day}&to={day}&subscription={subscription[case]}&groupBy=subscription", auth))
        totals = summary["totals"]
        if case == "relay-stop-halfway":
            for _ in range(100):
                if totals["requests"] == 1:
                    break
                time.sleep(0.05)
                totals = json.loads(get(f"{base}/usage/summary?from={day}&to={day}&subscription={subscription[case]}&groupBy=subscription", auth))["totals"]
            check(totals["requests"] == 1 and totals["estimatedRequests"] == 1 and totals["outputTokens"] < 200,
                  f"relay, client gone halfway: one request, estimated from what was sent: {totals}")
            print(f"{case:<22} {'gpt-4o':<24} {'(stopped after 6 chunks: estimated)':<42} requests 1, estimated {totals['estimatedRequests']}")
            continue
        if case == "relay-handler-killed":
            for _ in range(150):
                if totals["requests"] >= 1:
                    break
                time.sleep(0.1)
                totals = json.loads(get(f"{base}/usage/summary?from={day}&to={day}&subscription={subscription[case]}&groupBy=subscription", auth))["totals"]
            check(totals["requests"] == 1 and totals["estimatedRequests"] == 1,
                  f"relay, handler killed mid-stream: counted once, estimated, from the write-ahead: {totals}")
            print(f"{case:<22} {'gpt-4o':<24} {'(handler killed after 6 chunks)':<42} requests {totals['requests']}, estimated {totals['estimatedRequests']}")
            continue
        if case == "relay-while-restarting":
            check(totals["requests"] == 1, f"relay, a call while the handler restarts: it succeeded, and is counted once: {totals}")
            print(f"{case:<22} {'gpt-4o':<24} {'(succeeded while the handler restarted)':<42} requests {totals['requests']}, estimated {totals['estimatedRequests']}")
            continue
        if case == "relay-stream":
            check(totals["requests"] == 2 and totals["estimatedRequests"] == 0 and totals["outputTokens"] == relay_words,
                  f"relay: two streams, usage reported, {relay_words} words streamed: {totals}")
            print(f"{case:<22} {'gpt-4o':<24} {f'(2 streams: {relay_words} words, no usage chunk)':<42} "
                  f"requests {totals['requests']}, output {totals['outputTokens']}, estimated {totals['estimatedRequests']}")
            continue
        if case == "passthrough-stream":
            check(totals["requests"] == 1 and totals["estimatedRequests"] == 1,
                  f"passthrough: one request, estimated (body not captured): {totals}")
            print(f"{case:<22} {'gpt-4o':<24} {'(not captured: estimated)':<42} requests 1, estimated {totals['estimatedRequests']}")
            continue
        deployment, prompt, cached, completion, reasoning = reported[case]
        recorded = (totals["inputTokens"] + totals["cachedInputTokens"], totals["cachedInputTokens"], totals["outputTokens"], totals["reasoningTokens"])
        check(recorded == (prompt, cached, completion, reasoning) and totals["requests"] == 1 and totals["estimatedRequests"] == 0,
              f"{case}: the SDK reported {(prompt, cached, completion, reasoning)}, recorded {recorded} ({totals})")
        print(f"{case:<22} {deployment:<24} {str((prompt, cached, completion, reasoning)):<42} {recorded}")

    roll = subprocess.run([str(BIN / "chargeback"), "rollup", "--date", day], env=environment, cwd=ROOT, capture_output=True, text=True)
    check(roll.returncode == 0, f"rollup --date {day}: {roll.stdout} {roll.stderr}")
    report = json.loads(get(f"{base}/chargeback/report?from={day}&to={day}&format=json", auth))
    book = json.loads((ROOT / "config/price-book.json").read_text())
    meter_price = {"input": "input", "cachedInput": "cachedInput", "output": "output"}

    def price(deployment, meter):
        info = book["deployments"][deployment]
        sets = [s for s in book["prices"] if s["model"] == info["model"] and s["deploymentType"] == info["deploymentType"]
                and s["effectiveFrom"] <= day and day < s.get("effectiveTo", "9999-12-31")
                and s.get("modelVersion", info["modelVersion"]) == info["modelVersion"] and s.get("region", info["region"]) == info["region"]]
        chosen = max(sets, key=lambda s: (("modelVersion" in s) + ("region" in s), s["effectiveFrom"]))
        return Decimal(chosen["perMillionTokens"][meter_price[meter]])

    ours = {subscription[case] for case in CASES}
    lines = [line for line in report["lines"] if line["subscription"] in ours]
    check(lines and all(not line["provisional"] for line in lines), "the rolled-up day's lines should be final")
    priced = 0
    for line in lines:
        if line["meter"] not in meter_price:
            continue
        # exactCost carries every digit: it must be the price book's arithmetic exactly. The displayed
        # cost is rounded by largest remainder (rows add up to totals): within one micro-unit of it.
        expected = Decimal(line["quantity"]) * price(line["deployment"], line["meter"]) / Decimal(1_000_000)
        check(line["exactCost"] is not None and Decimal(line["exactCost"]) == expected,
              f"{line['subscription']} {line['deployment']} {line['meter']} × {line['quantity']}: report {line['exactCost']}, price book {expected}")
        check(line["cost"] is not None and abs(Decimal(line["cost"]) - expected) < Decimal("0.000001"),
              f"{line['subscription']} {line['deployment']} {line['meter']}: shown {line['cost']} is more than a micro-unit from {expected}")
        priced += 1
    check(priced >= 10, f"expected at least 10 priced token lines, got {priced}")
finally:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

if failures:
    print(f"e2e: {len(failures)} failures (logs in {temp})", file=sys.stderr)
    sys.exit(1)
print(f"e2e: the OpenAI SDK (openai {openai.__version__}) through the APIM twin: {len(CASES)} cases, tokens recorded exactly, "
      f"{priced} report lines priced exactly")
