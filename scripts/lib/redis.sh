# shellcheck shell=bash disable=SC2034 # sets variables for the scripts that source it
# Throwaway Redis servers on free loopback ports: plain, TLS (certificates made on the fly) and a
# 3-master cluster. Each start_* sets variables the tests read; stop_redis_servers ends them all.
# Needs: REDIS_WORK (a scratch folder).

REDIS_PIDS=()

free_port() {
  # A free port whose +10000 (Redis Cluster bus) is free too.
  python3 - <<'PY'
import socket, random
for _ in range(200):
    port = random.randint(20000, 29999)
    ok = True
    for p in (port, port + 10000):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        finally:
            s.close()
    if ok:
        print(port)
        break
PY
}

wait_for_redis() {  # port [extra redis-cli args...]
  local port=$1; shift
  for _ in $(seq 1 100); do
    redis-cli -p "$port" "$@" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.05
  done
  echo "redis on port $port did not start" >&2
  return 1
}

start_redis() {  # port [redis-server args...]
  local port=$1; shift
  redis-server --bind 127.0.0.1 --save "" --appendonly no --dir "$REDIS_WORK" --logfile "$REDIS_WORK/redis-$port.log" "$@" &
  REDIS_PIDS+=($!)
}

start_plain_redis() {
  local port; port=$(free_port)
  start_redis "$port" --port "$port"
  wait_for_redis "$port"
  REDIS_PLAIN_URL="redis://127.0.0.1:$port"
}

make_tls_certificates() {
  local dir=$REDIS_WORK/tls
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=chargeback-test-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
}

start_tls_redis() {
  make_tls_certificates
  local port; port=$(free_port)
  local dir=$REDIS_WORK/tls
  start_redis "$port" --port 0 --tls-port "$port" --tls-cert-file "$dir/server.crt" --tls-key-file "$dir/server.key" \
    --tls-ca-cert-file "$dir/ca.crt" --tls-auth-clients no
  wait_for_redis "$port" --tls --cacert "$dir/ca.crt"
  REDIS_TLS_URL="rediss://localhost:$port"
  REDIS_TLS_CA_FILE="$dir/ca.crt"
}

start_cluster_redis() {
  local nodes=()
  for _ in 1 2 3; do
    local port; port=$(free_port)
    start_redis "$port" --port "$port" --cluster-enabled yes --cluster-config-file "$REDIS_WORK/nodes-$port.conf" \
      --cluster-node-timeout 2000
    wait_for_redis "$port"
    nodes+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$REDIS_WORK/cluster-create.log" 2>&1 || {
    cat "$REDIS_WORK/cluster-create.log" >&2; return 1; }
  local first=${nodes[0]##*:}
  for _ in $(seq 1 200); do
    redis-cli -p "$first" cluster info 2>/dev/null | grep -q "cluster_state:ok" && break
    sleep 0.05
  done
  redis-cli -p "$first" cluster info | grep -q "cluster_state:ok" || { echo "cluster did not converge" >&2; return 1; }
  REDIS_CLUSTER_NODES=$(IFS=,; echo "${nodes[*]}")
}

stop_redis_servers() {
  for pid in "${REDIS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${REDIS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  REDIS_PIDS=()
}
