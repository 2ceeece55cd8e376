"""Checks .github/workflows/ without GitHub: every workflow validates against the GitHub workflow schema
(check-jsonschema's vendored copy of SchemaStore's), and the rules the deployment rests on hold:
- the test job runs the README's test command (.ci/run), and deploys wait for it and for the package;
- Azure sign-in is OpenID Connect only (azure/login with client-id, tenant-id, subscription-id; no
  `creds`, no client secret, no publish profile), and every job that signs in may mint an id-token;
- no secret is referenced at all (OIDC needs none; the alert webhook URL is set outside the workflow);
- apply and deploy run only for pushes to main, in a GitHub environment of the same name.
The rules are checked on planted mistakes too, so the check can fail. Usage: check_workflows.py"""
import copy
import pathlib
import re
import subprocess
import sys

import yaml

root = pathlib.Path(__file__).resolve().parents[2]
folder = root / ".github" / "workflows"


def load(path):
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as true.
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps_using(job, action):
    return [step for step in job.get("steps", []) if str(step.get("uses", "")).split("@")[0] == action]


def may_mint_token(workflow, job):
    permissions = job.get("permissions", workflow.get("permissions", {}))
    return isinstance(permissions, dict) and permissions.get("id-token") == "write"


def rules(workflows):
    """Problems with the deployment rules over {name: parsed workflow}."""
    problems = []
    main = workflows.get("chargeback.yml")
    if main is None:
        return ["no .github/workflows/chargeback.yml"]
    for name, workflow in workflows.items():
        text = yaml.safe_dump(workflow)
        for secret in re.findall(r"secrets\.([A-Za-z0-9_]+)", text):
            problems.append(f"{name}: references secrets.{secret}: Azure sign-in is OIDC and needs no stored secret")
        for job_name, job in workflow.get("jobs", {}).items():
            for step in steps_using(job, "azure/login"):
                given = step.get("with", {})
                missing = [key for key in ("client-id", "tenant-id", "subscription-id") if key not in given]
                extra = [key for key in given if key in ("creds", "client-secret", "auth-type") or "secret" in key]
                if missing or extra:
                    problems.append(f"{name} {job_name}: azure/login must be OIDC (client-id, tenant-id, subscription-id only): missing {missing}, extra {extra}")
                if not may_mint_token(workflow, job):
                    problems.append(f"{name} {job_name}: signs in to Azure without `permissions: id-token: write`")
            if "environment" in job and name != "deploy.yml" and "apply" in yaml.safe_dump(job.get("steps", [])):
                problems.append(f"{name} {job_name}: applies outside the deploy workflow")
    jobs = main.get("jobs", {})
    test = jobs.get("test", {})
    if not any(".ci/run" in str(step.get("run", "")) or "scripts/test" in str(step.get("run", "")) for step in test.get("steps", [])):
        problems.append("chargeback.yml: the test job does not run the test command (.ci/run)")
    deploys = {name: job for name, job in jobs.items() if str(job.get("uses", "")).endswith("deploy.yml")}
    if not deploys:
        problems.append("chargeback.yml: no job deploys (uses: ./.github/workflows/deploy.yml)")
    for name, job in deploys.items():
        if job.get("if", "").replace(" ", "") != "github.event_name=='push'&&github.ref=='refs/heads/main'":
            problems.append(f"chargeback.yml {name}: deploys on `{job.get('if')}`, not only on pushes to main")
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        upstream = set(needs)
        for need in needs:
            extra = jobs.get(need, {}).get("needs", [])
            upstream |= set([extra] if isinstance(extra, str) else extra)
        if not {"test", "package"} <= upstream:
            problems.append(f"chargeback.yml {name}: does not wait for test and package (needs {needs})")
        if job.get("permissions", {}).get("id-token") != "write":
            problems.append(f"chargeback.yml {name}: the deploy workflow gets no id-token permission")
    deploy = workflows.get("deploy.yml", {})
    for job_name, job in deploy.get("jobs", {}).items():
        if job.get("environment") != "${{ inputs.environment }}":
            problems.append(f"deploy.yml {job_name}: does not run in the GitHub environment it deploys (environment: ${{{{ inputs.environment }}}})")
    return problems


def main():
    problems = []
    paths = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not paths:
        problems.append("no workflow in .github/workflows/")
    else:
        done = subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            problems.append("the GitHub workflow schema refuses a workflow:\n" + (done.stdout + done.stderr).strip())
    workflows = {path.name: load(path) for path in paths}
    problems += rules(workflows)
    # The rules can fail: an OIDC login turned into a stored credential, a deploy from any branch.
    planted = copy.deepcopy(workflows)
    for job in planted.get("deploy.yml", {}).get("jobs", {}).values():
        for step in steps_using(job, "azure/login"):
            step["with"] = {"creds": "${{ secrets.AZURE_CREDENTIALS }}"}
    for job in planted.get("chargeback.yml", {}).get("jobs", {}).values():
        if str(job.get("uses", "")).endswith("deploy.yml"):
            job["if"] = "github.event_name == 'push'"
    if paths and len(rules(planted)) < 3:
        problems.append(f"the workflow rules miss planted mistakes: {rules(planted)}")
    for problem in problems:
        print("check_workflows:", problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check_workflows: {len(paths)} workflows valid (GitHub workflow schema), OIDC only, deploys from main after test and package")


if __name__ == "__main__":
    main()
