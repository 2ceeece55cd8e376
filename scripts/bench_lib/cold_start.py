"""Cold start and idle memory of the chargeback handler, measured as the Functions host sees them:
exec -> first HTTP answer to GET / (polled every 1 ms here, 25 ms in the host), then VmRSS after the
process has served one health call and sat idle for a second. Usage: cold_start.py BINARY [RUNS]"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answered(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/")
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        return False


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    starts, rss = [], []
    env = dict(os.environ)
    env.setdefault("REDIS_CONNECTION_STRING", "redis://127.0.0.1:1")
    for run in range(runs):
        port = free_port()
        env["FUNCTIONS_CUSTOMHANDLER_PORT"] = str(port)
        began = time.perf_counter()
        process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not answered(port):
            if process.poll() is not None:
                sys.exit(f"handler exited with {process.returncode}")
            time.sleep(0.001)
        starts.append((time.perf_counter() - began) * 1000)
        if run == runs - 1 or run < 3:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/health")
            connection.getresponse().read()
            time.sleep(1)
            rss.append(rss_kib(process.pid) / 1024)
        process.kill()
        process.wait()
    starts.sort()
    print(f"cold start (exec -> GET / answered), {runs} runs: median {statistics.median(starts):.1f} ms, "
          f"p90 {starts[int(len(starts) * 0.9) - 1]:.1f} ms, min {starts[0]:.1f} ms")
    print(f"idle RSS after one health call: {max(rss):.1f} MiB (max of {len(rss)} samples)")


if __name__ == "__main__":
    main()
