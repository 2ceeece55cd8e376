"""The canary scan: no planted prompt, completion or key byte may be kept anywhere."""
import base64
import collections
import pathlib

from resp import Store


def scan_for_canary(ctx, extra_paths):
    """Every key and value of every Redis (SCAN + TYPE + the type's contents), every file under the work
    folder (host and handler logs, spools, AOF files, fetched reports, the sender's ledger) and `extra_paths`."""
    needles = ctx.canary.needles()
    findings = []
    stats = collections.Counter()
    stores = [("redis " + s.name, Store([("127.0.0.1", s.port)])) for s in ctx.redis_servers if s.process.poll() is None]
    if ctx.cluster_nodes:
        stores.append(("redis cluster", Store(ctx.cluster_nodes, cluster=True)))

    def look(where, data):
        lowered = data.lower()
        for form, needle in needles.items():
            if needle in data or (form == "plain" and needle in lowered):
                findings.append(f"{where} ({form})")
                return

    # Positive control: the search must find each planted value, in the forms it looks for.
    for place, value in ctx.canary.values.items():
        before = len(findings)
        look("control", b"..." + value.encode() + b"...")
        look("control", base64.b64encode(b"key: " + value.encode()))
        if len(findings) != before + 2:
            raise RuntimeError(f"the canary search does not find the planted value of {place}")
        del findings[before:]
    for label, store in stores:
        for node, key in store.scan_all("*"):
            connection = store.conn(node)
            stats["redis keys"] += 1
            look(f"{label} key {key[:80]!r}", key)
            kind = connection("TYPE", key)
            if kind == "string":
                values = [connection("GET", key) or b""]
            elif kind == "hash":
                values = connection("HGETALL", key)
            elif kind == "set":
                values = connection("SMEMBERS", key)
            elif kind == "list":
                values = connection("LRANGE", key, 0, -1)
            elif kind == "zset":
                values = connection("ZRANGE", key, 0, -1, "WITHSCORES")
            elif kind == "stream":
                values = [repr(connection("XRANGE", key, "-", "+")).encode()]
            else:
                values = [repr(kind).encode()]
            stats[f"redis {kind} values"] += 1
            for value in values:
                look(f"{label} value of {key[:80]!r}", value if isinstance(value, bytes) else str(value).encode())
        store.close()
    for base in [ctx.work.root] + list(extra_paths):
        base = pathlib.Path(base)
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []
        for path in paths:
            if path.name == "pids":
                continue
            try:
                data = path.read_bytes()
            except OSError as error:
                findings.append(f"unreadable {path}: {error}")
                continue
            stats["files"] += 1
            stats["file bytes"] += len(data)
            look(f"file {path}", data)
    return findings, dict(stats)
