"""Static checks the Swift tests do not cover: every JSON file of the function app parses, and every
environment variable the code reads is documented in the README's configuration table."""
import json
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[2]
problems = []

for path in [root / "host.json", *sorted((root / "functions").glob("*/function.json")), *sorted((root / "config").glob("*.json"))]:
    try:
        json.loads(path.read_text())
    except (OSError, ValueError) as error:
        problems.append(f"{path.relative_to(root)}: {error}")

readme = (root / "README.md").read_text()
read_vars = set()
for source in (root / "Sources").rglob("*.swift"):
    text = source.read_text()
    read_vars |= set(re.findall(r'environment\["([A-Z][A-Z0-9_]+)"\]', text))
    read_vars |= set(re.findall(r'integer\("([A-Z][A-Z0-9_]+)"', text))
for name in sorted(read_vars):
    if f"`{name}`" not in readme:
        problems.append(f"README.md: environment variable `{name}` is read by the code but not documented")

for problem in problems:
    print("check_config:", problem, file=sys.stderr)
print(f"check_config: {len(read_vars)} environment variables documented, app JSON valid" if not problems else "")
sys.exit(1 if problems else 0)
