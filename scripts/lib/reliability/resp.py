"""A minimal Redis client (RESP2 over a socket, stdlib only) for what must not go through the code under
test: the slot migration under load, readiness PINGs and the canary scan of every key and value (the
ledger is read back through `chargeback inspect`). Single servers and Redis Cluster (slot map from
CLUSTER SLOTS, key slots with hash tags)."""
import socket


class RedisReplyError(Exception):
    pass


class Redis:
    def __init__(self, host, port, timeout=10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = None
        self.buf = b""

    def connect(self):
        self.close()
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            if isinstance(arg, int):
                arg = str(arg)
            if isinstance(arg, str):
                arg = arg.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        return b"".join(out)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, count):
        while len(self.buf) < count + 2:
            chunk = self.sock.recv(max(65536, count + 2 - len(self.buf)))
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:count], self.buf[count + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._exact(size)
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._reply() for _ in range(size)]
        raise ConnectionError(f"unexpected RESP type {kind!r}")

    def pipeline(self, commands):
        """Sends all commands, returns their replies (errors as RedisReplyError values, not raised)."""
        # One reconnect when a kept connection went stale (the server was restarted); the reads
        # and admin commands sent here are safe to send again.
        for attempt in (0, 1):
            fresh = self.sock is None
            if fresh:
                self.connect()
            try:
                self.sock.sendall(b"".join(self.encode(c) for c in commands))
                return [self._reply() for _ in commands]
            except (OSError, ConnectionError):
                self.close()
                if fresh or attempt:
                    raise

    def __call__(self, *args):
        reply = self.pipeline([args])[0]
        if isinstance(reply, RedisReplyError):
            raise reply
        return reply

    def scan_keys(self, match="*", count=1000):
        cursor = b"0"
        keys = []
        while True:
            cursor, batch = self("SCAN", cursor, "MATCH", match, "COUNT", count)
            keys.extend(batch)
            if cursor in (b"0", 0):
                return keys


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def key_slot(key):
    if isinstance(key, str):
        key = key.encode()
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return crc16(key) % 16384


class Store:
    """One logical Redis: a single server, or a cluster (reads go to the slot's master)."""

    def __init__(self, nodes, cluster=False):
        self.cluster = cluster
        self.nodes = [tuple(n) for n in nodes]
        self.conns = {}
        self.slots = None

    def conn(self, node):
        if node not in self.conns:
            self.conns[node] = Redis(*node)
        return self.conns[node]

    def refresh(self):
        if not self.cluster:
            return
        for node in self.nodes:
            try:
                ranges = self.conn(node)("CLUSTER", "SLOTS")
            except (OSError, ConnectionError, RedisReplyError):
                continue
            slots = [None] * 16384
            for entry in ranges:
                host = entry[2][0].decode() or "127.0.0.1"
                for slot in range(entry[0], entry[1] + 1):
                    slots[slot] = (host, entry[2][1])
            self.slots = slots
            return
        raise ConnectionError("no cluster node answered CLUSTER SLOTS")

    def masters(self):
        if not self.cluster:
            return [self.nodes[0]]
        self.refresh()
        return sorted({n for n in self.slots if n})

    def node_for(self, key):
        if not self.cluster:
            return self.nodes[0]
        if self.slots is None:
            self.refresh()
        return self.slots[key_slot(key)]

    def call(self, key, *args):
        """A command on the node of `key`, following MOVED/ASK."""
        node = self.node_for(key)
        for _ in range(5):
            conn = self.conn(node)
            reply = conn.pipeline([args])[0]
            if isinstance(reply, RedisReplyError):
                text = str(reply)
                if text.startswith("MOVED "):
                    self.refresh()
                    host, port = text.split()[-1].rsplit(":", 1)
                    node = (host, int(port))
                    continue
                if text.startswith("ASK "):
                    host, port = text.split()[-1].rsplit(":", 1)
                    replies = self.conn((host, int(port))).pipeline([("ASKING",), args])
                    if isinstance(replies[1], RedisReplyError):
                        raise replies[1]
                    return replies[1]
                raise reply
            return reply
        raise ConnectionError("too many redirections")

    def scan_all(self, match="*"):
        """(node, key) for every key matching on every master."""
        out = []
        for node in self.masters():
            for key in self.conn(node).scan_keys(match):
                out.append((node, key))
        return out

    def close(self):
        for conn in self.conns.values():
            conn.close()
        self.conns = {}
