#!/usr/bin/env python3
"""Regenerates eksim's compact copies of the botocore service models.

Reads the botocore models installed on this machine (the authority on operation
names, fields, constraints and error shapes) and writes, for each service, a
compact JSON file that eksim embeds: crates/wire/data/<service>.json.

Only what the wire codecs use is kept: per operation the input and output shapes
and the result wrapper; per shape its type, members in model order, required
members, min/max/pattern/enum constraints, list members, the error code and HTTP
status of exception shapes. Documentation is dropped.

Run from the repository root:  python3 scripts/gen-query-models.py
"""
import json
import os
import sys

import botocore.loaders

SERVICES = {"iam": "2010-05-08", "sts": "2011-06-15", "eks": "2017-11-01"}
KEEP = ("type", "min", "max", "pattern", "enum", "required", "timestampFormat", "flattened", "sensitive")
MEMBER_KEEP = ("shape", "location", "locationName", "idempotencyToken", "xmlNamespace")


def compact(service, version):
    model = botocore.loaders.create_loader().load_service_model(service, "service-2", version)
    out = {"metadata": {k: model["metadata"].get(k) for k in ("apiVersion", "protocol", "xmlNamespace", "serviceId", "targetPrefix", "jsonVersion")}}
    ops = {}
    for name, op in model["operations"].items():
        o = {"http": op.get("http", {})}
        if "input" in op:
            o["input"] = op["input"]["shape"]
        if "output" in op:
            o["output"] = op["output"]["shape"]
            if "resultWrapper" in op["output"]:
                o["resultWrapper"] = op["output"]["resultWrapper"]
        o["errors"] = [e["shape"] for e in op.get("errors", [])]
        ops[name] = o
    out["operations"] = ops
    shapes = {}
    for name, s in model["shapes"].items():
        c = {k: s[k] for k in KEEP if k in s}
        if s["type"] == "structure":
            c["members"] = [[m, {k: v for k, v in spec.items() if k in MEMBER_KEEP}] for m, spec in s["members"].items()]
            if "error" in s:
                c["error"] = {k: s["error"][k] for k in ("code", "httpStatusCode", "senderFault") if k in s["error"]}
            if s.get("exception"):
                c["exception"] = True
        elif s["type"] == "list":
            c["member"] = {k: v for k, v in s["member"].items() if k in MEMBER_KEEP}
        elif s["type"] == "map":
            c["key"] = {k: v for k, v in s["key"].items() if k in MEMBER_KEEP}
            c["value"] = {k: v for k, v in s["value"].items() if k in MEMBER_KEEP}
        shapes[name] = c
    out["shapes"] = shapes
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "wire", "data")
    for service, version in SERVICES.items():
        data = compact(service, version)
        path = os.path.join(root, f"{service}.json")
        with open(path, "w") as f:
            json.dump(data, f, separators=(",", ":"), sort_keys=False)
            f.write("\n")
        print(f"wrote {path}: {len(data['operations'])} operations, {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
