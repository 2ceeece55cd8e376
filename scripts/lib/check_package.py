"""The deployable package, end to end: unzips dist/chargeback-functionapp.zip into a temp folder,
checks its layout (host.json and the function folders at the root, the executable with its run bit,
every library it needs inside the package, libcurl loaded on demand from lib/ with its own libraries,
time zones read from the bundled zoneinfo/),
then runs it under `functions-host` against a real Redis:
the packaged executable serves health, ingest with the ingest key (recorded, then duplicate; the
report key refused) and the usage summary with the report key.
Usage: check_package.py ZIP FUNCTIONS_HOST_BINARY  (env REDIS_PLAIN_URL)"""
import hashlib
import json
import os
import pathlib
import re
import secrets
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile

root = pathlib.Path(__file__).resolve().parents[2]
zip_path, host_binary = pathlib.Path(sys.argv[1]), sys.argv[2]
problems = []


def fail(message):
    print("check_package:", message, file=sys.stderr)
    sys.exit(1)


def call(method, url, key=None, body=None):
    request = urllib.request.Request(url, data=body, method=method)
    if key:
        request.add_header("x-functions-key", key)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def version(text):
    return tuple(int(part) for part in text.split("."))


def glibc_needs(path):
    """The newest GLIBC_ symbol version a file needs (objdump -T: its undefined dynamic symbols)."""
    table = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True, check=True).stdout
    needs = [version(found) for found in re.findall(r"\*UND\*.*\(GLIBC_([0-9][0-9.]*)\)", table)]
    return max(needs, default=(0,))


def glibc_fit(app):
    """Problems when the executable or a bundled library needs more glibc than the image Azure runs
    it on (infrastructure/runtime-base.json), or when Terraform deploys it where it cannot start."""
    base = json.loads((root / "infrastructure/runtime-base.json").read_text())
    files = [app / "chargeback", *sorted((app / "lib").glob("*.so*"))]
    needs = {path.relative_to(app).as_posix(): glibc_needs(path) for path in files}
    newest = max(needs.values())

    def unfit(glibc, os_name, image):
        return [f"{name} needs GLIBC_{'.'.join(map(str, need))}, more than {os_name}'s glibc {glibc} ({image})"
                for name, need in needs.items() if need > version(glibc)]

    found = unfit(base["glibc"], base["os"], base["image"])
    # The comparison can fail: against a glibc older than every build of the handler (2.17), it must object.
    if not unfit("2.16", "a planted old base", "none"):
        found.append("the glibc check does not object to a base older than the package needs")
    fits_code = newest <= version(base["code_based"]["glibc"])
    # The deployment kind each environment gets: variables.tf's default, or the tfvars' own.
    default = re.search(r'variable "function_deployment" \{.*?default\s*=\s*"(\w+)"', (root / "infrastructure/variables.tf").read_text(), re.S)
    for tfvars in sorted((root / "infrastructure/environments").glob("*.tfvars")):
        chosen = re.search(r'^function_deployment\s*=\s*"(\w+)"', tfvars.read_text(), re.M)
        kind = chosen.group(1) if chosen else (default.group(1) if default else "?")
        if kind != "container" and not fits_code:
            found.append(f"{tfvars.name} deploys the package as code ({kind}) onto {base['code_based']['os']} (glibc "
                         f"{base['code_based']['glibc']}), but it needs GLIBC_{'.'.join(map(str, newest))}: it cannot start there")
    print(f"check_package: glibc: the package needs GLIBC_{'.'.join(map(str, newest))} (newest: "
          f"{max(needs, key=needs.get)}); {base['os']} has {base['glibc']}: "
          f"{'fits' if not found else 'does NOT fit'}; the code-based stack ({base['code_based']['os']}, {base['code_based']['glibc']}) "
          f"{'would run it' if fits_code else 'would not start it'}")
    return found


def image_context(names):
    """The container build context package.sh writes beside the zip: FROM the image of
    runtime-base.json, the same files as the zip, the executable runnable."""
    context = zip_path.parent / "chargeback-image"
    base = json.loads((root / "infrastructure/runtime-base.json").read_text())
    dockerfile = context / "Dockerfile"
    if not dockerfile.exists():
        return [f"no container build context beside the zip ({dockerfile})"]
    found = []
    lines = dockerfile.read_text().splitlines()
    if f"FROM {base['image']}" not in lines:
        found.append(f"the Dockerfile does not start FROM {base['image']}")
    # The host's script root on App Service, whatever AzureWebJobsScriptRoot says (package.sh).
    if "COPY app/ /home/site/wwwroot/" not in lines or not any("FUNCTIONS_WORKER_RUNTIME=custom" in line for line in lines):
        found.append("the Dockerfile does not put the app in /home/site/wwwroot as a custom handler")
    if "RUN chmod 0755 /home/site/wwwroot/chargeback" not in lines:
        found.append("the Dockerfile does not restore the executable's run bit (CI artifacts lose file modes)")
    image_files = sorted(p.relative_to(context / "app").as_posix() for p in (context / "app").rglob("*") if p.is_file())
    if image_files != sorted(n for n in names if not n.endswith("/")):
        found.append("the image's app/ and the zip hold different files")
    if not os.access(context / "app" / "chargeback", os.X_OK):
        found.append("the image's chargeback has no run bit")
    return found


with tempfile.TemporaryDirectory() as temp:
    app = pathlib.Path(temp) / "wwwroot"
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        archive.extractall(app)
        # ZipFile does not restore modes: apply the ones stored in the archive, as Azure's mount does.
        for info in archive.infolist():
            mode = info.external_attr >> 16
            if mode:
                os.chmod(app / info.filename, stat.S_IMODE(mode))
    functions = sorted(p.name for p in (root / "functions").iterdir() if (p / "function.json").exists())
    for required in ["host.json", "chargeback", "config/price-book.json", "config/cost-centers.json", "config/budgets.json",
                     *[f"{name}/function.json" for name in functions]]:
        if required not in names:
            problems.append(f"{required} is not at the package root")
    if any(name.startswith(("functions/", "Sources/", ".build")) for name in names):
        problems.append("the package holds build or source folders")
    executable = app / "chargeback"
    if not os.access(executable, os.X_OK):
        problems.append("chargeback has no run bit in the zip")
    ldd = subprocess.run(["ldd", str(executable)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]}).stdout
    if "not found" in ldd:
        problems.append(f"unresolved libraries: {ldd}")
    if "libhiredis" not in ldd or str(app / "lib" / "libhiredis") not in ldd:
        problems.append(f"libhiredis does not resolve inside the package: {ldd}")
    if "libswiftCore" in ldd or "libFoundation" in ldd:
        problems.append("the Swift runtime is linked dynamically (expected --static-swift-stdlib)")
    if "libcurl" in ldd:
        problems.append("libcurl is linked (expected: loaded with dlopen on first use, Sources/CCurl)")
    # libcurl as the handler loads it on its first alert or upstream call: from lib/, and every library
    # it pulls in from lib/ too (LD_DEBUG=libs names each file the dynamic linker initialises). Not
    # counted: libsasl2's optional mechanism plugins, which it dlopens from its plugin folder when
    # libcurl's LDAP support initialises it (none is needed for HTTP); SASL_PATH points it at an
    # empty folder here, as on a machine without libsasl2-modules.
    loaded = subprocess.run([str(executable), "check", "--price-book", str(app / "config/price-book.json"),
                             "--cost-centers", str(app / "config/cost-centers.json"), "--budgets", str(app / "config/budgets.json"),
                             "--libcurl", "--time-zone", "Europe/Paris"], capture_output=True, text=True, cwd=temp,
                            env={"PATH": "/usr/bin:/bin", "HOME": temp, "LD_DEBUG": "libs", "SASL_PATH": str(pathlib.Path(temp) / "no-sasl-plugins")})
    libcurl_line = [line for line in loaded.stdout.splitlines() if line.startswith("libcurl: ")]
    if loaded.returncode != 0 or not libcurl_line or not libcurl_line[0].startswith(f"libcurl: {app / 'lib' / 'libcurl.so.4'} "):
        problems.append(f"libcurl did not load from the package: {loaded.stdout[-300:]} {loaded.stderr[-300:]}")
    zone_line = [line for line in loaded.stdout.splitlines() if line.startswith("time zone Europe/Paris: ")]
    if not zone_line or zone_line[0] != f"time zone Europe/Paris: {app / 'zoneinfo/Europe/Paris'}":
        problems.append(f"time zones are not read from the package's zoneinfo/: {zone_line or loaded.stdout[-300:]}")
    initialised = {line.split("calling init:", 1)[1].strip() for line in loaded.stderr.splitlines() if "calling init:" in line}
    glibc = ("linux-vdso", "ld-linux", "libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so", "libresolv.so", "libutil.so")
    foreign = sorted(path for path in initialised
                     if not path.startswith(str(app / "lib") + "/") and not os.path.basename(path).startswith(glibc))
    if foreign or not any("libssl" in path for path in initialised):
        problems.append(f"libcurl's libraries loaded from outside the package: {foreign} (loaded: {sorted(initialised)})")
    problems += glibc_fit(app)
    problems += image_context(names)
    if problems:
        fail("; ".join(problems))

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Two keys, one role each, as deployed: the ingest key (a function-level key of ingest) and a report
    # key (a host key); the handler is given their SHA-256 through the host's environment.
    ingest_key, report_key = secrets.token_hex(16), secrets.token_hex(16)
    environment = {"PATH": "/usr/bin:/bin", "HOME": temp, "REDIS_CONNECTION_STRING": os.environ["REDIS_PLAIN_URL"],
                   "CHARGEBACK_SPOOL_DIR": str(pathlib.Path(temp) / "spool"),
                   "CHARGEBACK_INGEST_KEY_SHA256": hashlib.sha256(ingest_key.encode()).hexdigest(),
                   "CHARGEBACK_REPORT_KEY_SHA256": hashlib.sha256(report_key.encode()).hexdigest()}
    host = subprocess.Popen([host_binary, "--app-root", str(app), "--port", str(port), "--function-key", secrets.token_hex(16),
                             "--master-key", secrets.token_hex(16), "--function-level-key", f"ingest={ingest_key}", "--function-level-key", f"owner={ingest_key}",
                             "--named-function-key", f"report={report_key}"], env=environment, cwd=temp,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline:
            try:
                status, text = call("GET", f"{base}/health")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        if status != 200:
            fail(f"the packaged handler never became healthy under functions-host (last status {status})")
        children = subprocess.run(["pgrep", "-P", str(host.pid)], capture_output=True, text=True).stdout.split()
        exes = {os.path.realpath(f"/proc/{pid}/exe") for pid in children}
        if str(executable.resolve()) not in exes:
            fail(f"functions-host did not run the packaged executable (children: {exes})")

        envelope = json.loads((root / "docs/examples/chat-completion.envelope.json").read_text())
        envelope["requestId"] = str(uuid.uuid4())
        subscription = "package-check-" + secrets.token_hex(4)
        envelope["subscriptionId"] = subscription
        body = json.dumps(envelope).encode()
        unauthorised, _ = call("POST", f"{base}/ingest", None, body)
        wrong_role, _ = call("POST", f"{base}/ingest", report_key, body)
        first = call("POST", f"{base}/ingest", ingest_key, body)
        second = call("POST", f"{base}/ingest", ingest_key, body)
        if unauthorised != 401:
            problems.append(f"ingest without a key answered {unauthorised}, expected 401")
        if wrong_role != 403:
            problems.append(f"ingest with the report key answered {wrong_role}, expected 403")
        if first[0] != 200 or json.loads(first[1]).get("status") != "recorded":
            problems.append(f"first ingest: {first}")
        if second[0] != 200 or json.loads(second[1]).get("status") != "duplicate":
            problems.append(f"second ingest: {second}")
        day = envelope["timestamp"][:10]
        status, text = call("GET", f"{base}/usage/summary?from={day}&to={day}&subscription={subscription}&groupBy=subscription", report_key)
        if status != 200 or '"inputTokens":209' not in text.replace(" ", "") or '"requests":1' not in text.replace(" ", ""):
            problems.append(f"usage summary after one recorded event: {status} {text[:300]}")
    finally:
        host.terminate()
        try:
            host.wait(timeout=10)
        except subprocess.TimeoutExpired:
            host.kill()

if problems:
    fail("; ".join(problems))
print(f"check_package: {zip_path.name}: {len(names)} files, runs under functions-host from a temp folder: "
      "health 200, ingest recorded then duplicate (the report key refused), usage summary exact")
