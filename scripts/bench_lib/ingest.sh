# shellcheck shell=bash
# Ingest throughput through the release handler with the Redis ledger (exactly-once on), beside
# the same server's no-op POST route, with a 4 KB envelope and distinct request ids (wrk + Lua).
# Then checks that Redis counted exactly the requests that were acknowledged.
set -euo pipefail
source scripts/lib/redis.sh
ensure_packages wrk
REDIS_WORK=$(mktemp -d /tmp/chargeback-bench.XXXXXX)
handler_pid=""
cleanup() {
  if [ -n "$handler_pid" ]; then kill "$handler_pid" 2>/dev/null || true; fi
  stop_redis_servers
  rm -rf "$REDIS_WORK"
}
trap cleanup EXIT
start_plain_redis
port=$(free_port)
python3 - "$REDIS_WORK/envelope.json" <<'PY'
import json, sys
request = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "Summarise the chargeback for team A. " * 30}]})
response = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-2024-11-20",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Team A used 1.2M tokens yesterday. " * 50}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 300, "completion_tokens": 450, "total_tokens": 750, "prompt_tokens_details": {"cached_tokens": 128}}})
envelope = {"schemaVersion": 1, "source": "outbound", "requestId": "REQUEST_ID", "timestamp": "2026-11-29T10:00:00Z",
    "subscriptionId": "sub-bench", "path": "/openai/deployments/gpt-4o/chat/completions", "statusCode": 200, "isStream": False,
    "responseContentType": "application/json", "requestBody": request, "responseBody": response}
open(sys.argv[1], "w").write(json.dumps(envelope))
PY
echo "envelope: $(wc -c <"$REDIS_WORK/envelope.json") bytes"
LOG_LEVEL=${BENCH_LOG_LEVEL:-info} REDIS_CONNECTION_STRING=$REDIS_PLAIN_URL CHARGEBACK_BENCH_ROUTES=1 CHARGEBACK_SPOOL_DIR=$REDIS_WORK/spool \
  .build/release/chargeback --port "$port" >/dev/null 2>&1 &
handler_pid=$!
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.05; done
run_wrk() {  # path connections seconds
  ENVELOPE_FILE=$REDIS_WORK/envelope.json wrk -t2 -c"$2" -d"$3"s -s scripts/bench_lib/ingest.lua "http://127.0.0.1:$port$1" 2>&1
}
run_wrk /bench/noop 32 3 >/dev/null
for connections in ${INGEST_CONNECTIONS:-32}; do
  noop=$(run_wrk /bench/noop "$connections" "${INGEST_SECONDS:-10}")
  ingest=$(run_wrk /api/v1/ingest "$connections" "${INGEST_SECONDS:-10}")
  noop_rps=$(echo "$noop" | awk '/Requests\/sec/{print $2}')
  ingest_rps=$(echo "$ingest" | awk '/Requests\/sec/{print $2}')
  echo "no-op POST   ($connections connections): $noop_rps req/s, $(echo "$noop" | grep BENCH)"
  echo "ingest       ($connections connections): $ingest_rps req/s, $(echo "$ingest" | grep BENCH)"
  python3 -c "print(f'ingest / no-op: {float(\"$ingest_rps\")/float(\"$noop_rps\"):.2f}')"
done
acknowledged=$(echo "$ingest" | sed -n 's/.*requests=\([0-9]*\) errors_status=\([0-9]*\).*/\1 \2/p')
counted=$(redis-cli -u "$REDIS_PLAIN_URL" --no-auth-warning eval "local t=0 for _,k in ipairs(redis.call('KEYS','cb:v1:{s:sub-bench}:h:*')) do t=t+tonumber(redis.call('HGET',k,'gpt-4o|requests') or 0) end return t" 0)
# wrk counts the answers it read; requests still in flight when it stopped are counted by Redis too.
echo "counted in Redis: $counted requests (wrk answers read / non-2xx: $acknowledged)"
cleanup
trap - EXIT
