"""The demo's HTML report as a browser shows it: headless Chromium loads out/report.html; the
detail table has one row per line of out/report.json, the cost-center chart one bar per cost
center, every chart has bars, and a 1280-pixel screenshot is not blank (text, tables and coloured
chart bars cover part of it).
Usage: check_demo_report.py REPORT_HTML REPORT_JSON"""
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

html_path, json_path = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
report = json.loads(json_path.read_text())
browser = next((shutil.which(name) for name in ["chromium", "chromium-browser", "google-chrome"] if shutil.which(name)), None)
if browser is None:
    sys.exit("check_demo_report: no chromium on PATH (Debian package chromium)")
problems = []


def chromium(arguments, scratch):
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                           f"--user-data-dir={scratch}/profile", *arguments], capture_output=True, text=True, timeout=120)


def pixels(png):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB or RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, data, header = 8, b"", None
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        chunk = png[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            data += chunk
        offset += 12 + length
    width, height, depth, color = header[0], header[1], header[2], header[3]
    assert depth == 8 and color in (2, 6), f"unsupported PNG (depth {depth}, colour type {color})"
    channels = 4 if color == 6 else 3
    raw = zlib.decompress(data)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, rows, channels


with tempfile.TemporaryDirectory() as scratch:
    dump = chromium(["--dump-dom", html_path.as_uri()], scratch)
    if dump.returncode != 0:
        sys.exit(f"check_demo_report: chromium --dump-dom failed: {dump.stderr[-500:]}")
    dom = dump.stdout
    table = dom.split('<table id="detail-lines"', 1)[1].split("</table>", 1)[0] if '<table id="detail-lines"' in dom else ""
    rows = table.count("<tr")
    if rows != len(report["lines"]) + 2:
        problems.append(f"the detail table shows {rows} rows for {len(report['lines'])} lines (+ header and total)")
    charts = [svg.split("</svg>", 1)[0].count("<rect") for svg in dom.split("<svg")[1:]]
    if len(charts) < 3 or any(count == 0 for count in charts):
        problems.append(f"charts without bars: {charts}")
    elif charts[0] != len(report["costCenters"]):
        problems.append(f"the cost-center chart has {charts[0]} bars for {len(report['costCenters'])} cost centers")
    shot = pathlib.Path(scratch) / "report.png"
    result = chromium([f"--screenshot={shot}", "--window-size=1280,2000", html_path.as_uri()], scratch)
    if result.returncode != 0 or not shot.exists():
        sys.exit(f"check_demo_report: chromium --screenshot failed: {result.stderr[-500:]}")
    width, height, image, channels = pixels(shot.read_bytes())
    total = inked = 0
    colours = set()
    for y in range(0, height, 4):
        line = image[y]
        for x in range(0, width * channels, channels * 4):
            r, g, b = line[x], line[x + 1], line[x + 2]
            total += 1
            if min(r, g, b) < 235:
                inked += 1
            if max(r, g, b) - min(r, g, b) > 60:
                colours.add((r // 32, g // 32, b // 32))
    if width != 1280:
        problems.append(f"the screenshot is {width} pixels wide, expected 1280")
    if inked / total < 0.03:
        problems.append(f"the page looks blank: {inked / total:.1%} of the screenshot is not white")
    if len(colours) < 2:
        problems.append("no coloured chart bars in the screenshot")

for problem in problems:
    print("check_demo_report:", problem, file=sys.stderr)
if not problems:
    print(f"check_demo_report: out/report.html in Chromium: {rows - 2} detail rows, chart bars {charts}, "
          f"screenshot {width}×{height} with {inked / total:.0%} ink and {len(colours)} chart colours")
sys.exit(1 if problems else 0)
