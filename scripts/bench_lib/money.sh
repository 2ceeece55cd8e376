# shellcheck shell=bash
# Money: the rollup of one day and a month's chargeback report (built and rendered as JSON) for
# 1,000 subscriptions on 10 and on 3 deployments, on a Redis of its own.
set -euo pipefail
source scripts/lib/redis.sh
REDIS_WORK=$(mktemp -d /tmp/chargeback-bench-money.XXXXXX)
cleanup() {
  stop_redis_servers
  rm -rf "$REDIS_WORK"
}
trap cleanup EXIT
start_plain_redis
for deployments in 10 3; do
  redis-cli -u "$REDIS_PLAIN_URL" flushall >/dev/null
  MONEY_BENCH_BREAKDOWN=1 .build/release/money-bench "$REDIS_PLAIN_URL" config/price-book.json 1000 "$deployments"
done
cleanup
trap - EXIT
