"""The processes a scenario starts: throwaway redis-servers (AOF, fsync always, noeviction) and
functions-host instances running the chargeback handler. Everything listens on 127.0.0.1, on ports
the kernel chose; every pid is written to WORK/pids so scripts/reliability can end them if this
process dies; `Work.cleanup` ends them all."""
import hashlib
import http.client
import json
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import time

from resp import Redis, RedisReplyError


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid):
    """Pids whose parent is `pid` (from /proc/*/stat)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Work:
    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.pidfile = self.root / "pids"
        self.processes = []   # (name, Popen)
        self.extra_pids = set()  # handler children seen, killed at cleanup if still there

    def spawn(self, name, command, log, env=None, **options):
        # A marker in every process's environment, so scripts/reliability's trap only ends processes of this run.
        env = dict(os.environ if env is None else env)
        env["CHARGEBACK_RELIABILITY_WORK"] = str(self.root)
        options["env"] = env
        handle = open(log, "ab")
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **options)
        handle.close()
        self.processes.append((name, process))
        with open(self.pidfile, "a") as pids:
            pids.write(f"{process.pid}\n")
        return process

    def note_pid(self, pid):
        if pid not in self.extra_pids:
            self.extra_pids.add(pid)
            with open(self.pidfile, "a") as pids:
                pids.write(f"{pid}\n")

    def cleanup(self):
        for _, process in reversed(self.processes):
            if process.poll() is None:
                for child in children_of(process.pid):
                    self.note_pid(child)
                try:
                    os.kill(process.pid, signal.SIGCONT)
                    process.terminate()
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for _, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid in self.extra_pids:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


class RedisServer:
    """A redis-server as the product expects it (noeviction) with the persistence the exactly-once
    guarantee across a Redis crash relies on: AOF with appendfsync always."""

    def __init__(self, work, name, aof=True):
        self.work, self.name, self.aof = work, name, aof
        self.port = free_port()
        self.dir = work.root / f"redis-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = None
        self.starts = 0
        self.expected_down = False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self, wait=True):
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
                   "--save", "", "--maxmemory-policy", "noeviction", "--logfile", str(self.dir / "redis.log")]
        command += ["--appendonly", "yes", "--appendfsync", "always"] if self.aof else ["--appendonly", "no"]
        self.process = self.work.spawn(f"redis-{self.name}", command, self.dir / "stdout.log")
        self.expected_down = False
        self.starts += 1
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis {self.name} exited: see {self.dir / 'redis.log'}")
            try:
                connection = Redis("127.0.0.1", self.port, timeout=2)
                if connection("PING") == "PONG":
                    connection.close()
                    return
            except (OSError, ConnectionError, RedisReplyError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis {self.name} did not answer PING")

    def unexpected_exit(self):
        """A sentence when this server is gone although the suite did not stop it (something else did)."""
        if self.expected_down or self.process is None or self.process.poll() is None:
            return None
        try:
            tail = [line.strip() for line in open(self.dir / "redis.log", errors="replace")][-4:]
        except OSError:
            tail = []
        return (f"redis-server {self.name} (pid {self.process.pid}, port {self.port}) exited with {self.process.returncode} "
                f"without the suite asking; its log ends: {' | '.join(tail)}")

    def kill9(self):
        self.expected_down = True
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def shutdown(self):
        self.expected_down = True
        self.process.terminate()
        self.process.wait(timeout=30)


class Keys:
    """The keys of one run, one role each (README, "Who may call what"): the ingest key is a
    function-level key of `ingest` and of `owner` (APIM's), the report key a named host key with full
    report access; the host's default function key and the master key hold no role in the handler.
    The handler is given the SHA-256 of the ingest and report keys only, through the host's environment."""

    def __init__(self):
        self.ingest = "ingest-" + secrets.token_hex(16)
        self.report = "report-" + secrets.token_hex(16)
        self.default = "default-" + secrets.token_hex(16)
        self.master = "master-" + secrets.token_hex(16)
        # Scenario 6's cost-center report key (a named host key; its SHA-256 in that scenario's cost-center file).
        self.cost_center = "cc-sec-1-" + secrets.token_hex(16)

    def every(self):
        """Every raw key of the run: none may appear in out/."""
        return [self.ingest, self.report, self.default, self.master, self.cost_center]

    @staticmethod
    def sha256(key):
        return hashlib.sha256(key.encode()).hexdigest()

    def environment(self):
        return {"CHARGEBACK_INGEST_KEY_SHA256": self.sha256(self.ingest), "CHARGEBACK_REPORT_KEY_SHA256": self.sha256(self.report)}

    def arguments(self, named_keys=None):
        """functions-host's key flags; `named_keys` (name → key) adds host keys such as a cost-center report key."""
        arguments = ["--function-key", self.default, "--master-key", self.master,
                     "--function-level-key", f"ingest={self.ingest}", "--function-level-key", f"owner={self.ingest}", "--named-function-key", f"report={self.report}"]
        for name, key in (named_keys or {}).items():
            arguments += ["--named-function-key", f"{name}={key}"]
        return arguments


class Host:
    """One functions-host (the local Azure Functions host) with its chargeback handler child."""

    def __init__(self, work, name, bin_dir, app_root, redis_url, keys, extra_env=None, wrapper=None, spool_dir=None,
                 named_keys=None):
        self.work, self.name, self.bin_dir, self.app_root = work, name, bin_dir, app_root
        self.keys, self.named_keys = keys, named_keys or {}
        self.ingest_key, self.report_key, self.master_key = keys.ingest, keys.report, keys.master
        self.port = free_port()
        self.log = work.root / f"host-{name}.log"
        self.spool_dir = pathlib.Path(spool_dir or (work.root / f"spool-{name}"))
        self.env = {
            "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(work.root), "LANG": "C.UTF-8",
            "TMPDIR": str(work.root), "REDIS_CONNECTION_STRING": redis_url, "CHARGEBACK_SPOOL_DIR": str(self.spool_dir),
            "LOG_LEVEL": "info", **keys.environment(),
        }
        self.env.update(extra_env or {})
        self.wrapper = wrapper or []
        self.process = None

    def start(self, wait=True):
        command = self.wrapper + [f"{self.bin_dir}/functions-host", "--app-root", str(self.app_root), "--port", str(self.port),
                                  *self.keys.arguments(self.named_keys)]
        self.process = self.work.spawn(f"host-{self.name}", command, self.log, env=self.env, cwd=str(self.work.root))
        if wait:
            self.wait_ready()

    def request(self, method, path, body=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def request_lines(self, method, path, header_lines, body=None, timeout=30):
        """Like `request`, with the header lines exactly as given: a name listed twice is sent twice."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in header_lines:
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def wait_ready(self, timeout=40):
        """Until the handler itself answers health (200 or its own 503 with redis down)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"functions-host {self.name} exited ({self.process.returncode}): see {self.log}")
            try:
                _, body = self.request("GET", "/api/v1/health", timeout=5)
                if b'"version"' in body:
                    for pid in self.handler_pids():
                        self.work.note_pid(pid)
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the handler under functions-host {self.name} did not become ready: see {self.log}")

    def handler_pids(self):
        """The chargeback child(ren) of this host (through unshare/setpriv wrappers, which exec)."""
        pids = []
        for pid in children_of(self.process.pid):
            try:
                if os.path.basename(os.readlink(f"/proc/{pid}/exe")) == "chargeback":
                    pids.append(pid)
            except OSError:
                continue
        return pids

    def kill_handler(self):
        pids = self.handler_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def fire_timer(self, name):
        return self.request("POST", f"/admin/functions/{name}", headers={"x-functions-key": self.master_key}, timeout=300)[0]

    def get_json(self, path):
        status, body = self.request("GET", path, headers={"x-functions-key": self.report_key}, timeout=60)
        return status, (json.loads(body) if body.startswith((b"{", b"[")) else body)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        children = self.handler_pids()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    def spool_files(self, root_prefix=""):
        """The spool's files as (name, size) (through /proc/<pid>/root when in a private mount namespace)."""
        directory = pathlib.Path(root_prefix + str(self.spool_dir)) if root_prefix else self.spool_dir
        try:
            return sorted((p.name, p.stat().st_size) for p in directory.iterdir())
        except OSError:
            return []
