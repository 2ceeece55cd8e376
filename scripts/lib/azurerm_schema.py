"""The azurerm provider's argument schema, as data: which arguments and nested blocks each resource and
data source takes at the pinned version, read from the provider's own documentation
(website/docs/r|d/<name>.html.markdown in hashicorp/terraform-provider-azurerm at the tag). The test
command checks every argument of infrastructure/*.tf against it, so a renamed, removed or deprecated
argument fails there instead of at `terraform apply` in a tenant.

Regenerate (needs a clone of the provider; the test command only reads the JSON):
  python3 scripts/lib/azurerm_schema.py --provider-repo DIR --tag v4.81.0 > infrastructure/azurerm-schema.json
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "infrastructure" / "azurerm-schema.json"
# Terraform's own meta-arguments and blocks, valid in every resource.
META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection", "__is_block__"}

ITEM = re.compile(r"^\* `([a-z0-9_]+)` - ")
BLOCK_HEADING = re.compile(r"^(?:An?|The|Each) `([a-z0-9_]+)` block (?:supports|contains|accepts|requires)")


def parse_doc(text):
    """{"arguments": [...], "blocks": {name: [...]}, "deprecated": [...]} from one resource page:
    top-level items of "Arguments Reference", then each "A `x` block supports" section, up to
    "Attributes Reference"; the `timeouts` block is Terraform's and always allowed."""
    arguments, blocks, deprecated = [], {}, []
    section = None
    current = arguments
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip().lower()
            if heading.startswith("argument"):
                section, current = "arguments", arguments
            elif section == "arguments":
                section = "done"
            continue
        if section != "arguments":
            continue
        heading = BLOCK_HEADING.match(line)
        if heading:
            current = blocks.setdefault(heading.group(1), [])
            continue
        item = ITEM.match(line)
        if item:
            if item.group(1) not in current:
                current.append(item.group(1))
            if re.search(r"\bdeprecated\b", line, re.IGNORECASE) and item.group(1) not in deprecated:
                deprecated.append(item.group(1))
    blocks["timeouts"] = ["create", "read", "update", "delete"]
    return {"arguments": sorted(arguments), "blocks": {k: sorted(v) for k, v in sorted(blocks.items())}, "deprecated": sorted(deprecated)}


def used_types(documents):
    """(resource types, data source types) of the azurerm provider used in parsed .tf documents."""
    resources, data = set(), set()
    for document in documents:
        for section, into in (("resource", resources), ("data", data)):
            for entry in document.get(section, []):
                into.update(kind for kind in entry if kind.startswith("azurerm_"))
    return sorted(resources), sorted(data)


def generate(repo, tag, documents):
    commit = subprocess.run(["git", "-C", repo, "rev-parse", f"{tag}^{{commit}}"], capture_output=True, text=True, check=True).stdout.strip()
    resources, data = used_types(documents)
    schema = {"provider": "hashicorp/azurerm", "tag": tag, "commit": commit,
              "source": "website/docs/r|d/<name>.html.markdown, Arguments Reference",
              "regenerate": f"python3 scripts/lib/azurerm_schema.py --provider-repo DIR --tag {tag} > infrastructure/azurerm-schema.json",
              "resources": {}, "data": {}}
    for kind, folder, into in [(r, "r", schema["resources"]) for r in resources] + [(d, "d", schema["data"]) for d in data]:
        path = f"website/docs/{folder}/{kind[len('azurerm_'):]}.html.markdown"
        shown = subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], capture_output=True, text=True)
        if shown.returncode != 0:
            sys.exit(f"azurerm_schema: {kind}: no {path} at {tag}")
        into[kind] = parse_doc(shown.stdout)
    return schema


def check_block(kind, path, body, allowed, blocks, deprecated, problems):
    """Every key of `body` (a parsed block) is an argument or block the schema lists."""
    for key, value in body.items():
        if key in META:
            continue
        if key == "dynamic":
            for entry in value:
                for name, spec in entry.items():
                    for content in spec.get("content", []):
                        check_nested(kind, f"{path}.{name}", name, content, allowed, blocks, deprecated, problems)
            continue
        if key not in allowed:
            problems.append(f"{kind} {path}: `{key}` is not an argument of this block in the pinned azurerm schema")
            continue
        if key in deprecated:
            problems.append(f"{kind} {path}: `{key}` is deprecated in the pinned azurerm schema")
        if isinstance(value, list) and value and all(isinstance(item, dict) and item.get("__is_block__") for item in value):
            for item in value:
                check_nested(kind, f"{path}.{key}", key, item, allowed, blocks, deprecated, problems)


def check_nested(kind, path, name, body, allowed, blocks, deprecated, problems):
    if name not in blocks:
        problems.append(f"{kind} {path}: `{name}` is used as a block but the pinned azurerm schema documents no such block")
        return
    check_block(kind, path, body, set(blocks[name]), blocks, deprecated, problems)


def check(documents, schema):
    """Problems: resources and data sources of `documents` whose arguments the schema does not list."""
    problems = []
    for document in documents:
        for section, table in (("resource", schema["resources"]), ("data", schema["data"])):
            for entry in document.get(section, []):
                for kind, instances in entry.items():
                    if not kind.startswith("azurerm_"):
                        continue
                    spec = table.get(kind)
                    if spec is None:
                        problems.append(f"{kind}: not in infrastructure/azurerm-schema.json (regenerate it: {schema['regenerate']})")
                        continue
                    for name, body in instances.items():
                        check_block(kind, name, body, set(spec["arguments"]) | set(spec["blocks"]), spec["blocks"], set(spec["deprecated"]), problems)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--provider-repo", required=True, help="a clone of hashicorp/terraform-provider-azurerm")
    parser.add_argument("--tag", required=True, help="the pinned version's tag, e.g. v4.81.0")
    args = parser.parse_args()
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from apim_policy import hcl_load
    documents = [hcl_load(path) for path in sorted((ROOT / "infrastructure").glob("*.tf"))]
    print(json.dumps(generate(args.provider_repo, args.tag, documents), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
