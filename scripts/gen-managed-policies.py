#!/usr/bin/env python3
"""Generate eksim's catalog of AWS managed IAM policies.

Reads
    The AWS managed policies as moto ships them: by default the JSON string
    `moto.iam.aws_managed_policies.aws_managed_policies_data` of the installed moto package
    (moto 5.2.1 holds 1,485 policies), or, when a path is given, a JSON file of the same shape:
        { "<PolicyName>": { "CreateDate": "2015-02-06T18:39:46+00:00", "DefaultVersionId": "v1",
                            "Document": { ...policy document... }, "Path": "/",
                            "PermissionsBoundaryUsageCount": 0, "UpdateDate": "..." }, ... }

Writes
    crates/aws/data/aws-managed-policies.json.gz (relative to the repository root, or the path given
    with --output): gzip of a compact JSON array, sorted by policy name, of objects
        { "name", "path", "arn", "policy_id", "default_version_id", "create_date", "update_date",
          "document" }
    all strings:
    - arn = "arn:aws:iam::aws:policy" + path + name.
    - policy_id: the real ANPA... ids are not in the source, so one is derived: "ANPA" followed by the
      first 17 characters of the RFC 4648 base32 of sha256(arn). Only A-Z and 2-7 appear, the id is
      21 characters like AWS's, and it is the same on every run and machine.
    - create_date / update_date: ISO 8601 in UTC with a "Z" suffix ("2015-02-06T18:39:46Z"), the form
      IAM's XML uses; the source's "+00:00" offset is rewritten (other offsets are converted to UTC).
    - document: the policy document re-serialized as compact JSON text (key order kept, non-ASCII kept
      as UTF-8). It is not the byte-for-byte text AWS returns, which the source does not have.
    - PermissionsBoundaryUsageCount is dropped: it is account state, not catalog data.
    The gzip header carries no file name and a zero mtime, so the output is byte-identical across runs.

Run (from anywhere)
    python3 scripts/gen-managed-policies.py                      # read from the installed moto
    python3 scripts/gen-managed-policies.py policies.json        # read from a JSON file
    python3 scripts/gen-managed-policies.py --output /tmp/x.json.gz
Uses only the Python standard library (plus moto when no file is given). Rerun it after upgrading moto
and commit the regenerated file; crates/aws/src/iam/managed_catalog.rs embeds it with include_bytes!.
"""

import argparse
import base64
import datetime
import gzip
import hashlib
import io
import json
import pathlib
import sys

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "crates" / "aws" / "data" / "aws-managed-policies.json.gz"
ARN_PREFIX = "arn:aws:iam::aws:policy"


def load_source(path):
    """The name -> policy mapping, from `path` if given, else from the installed moto."""
    if path is not None:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    try:
        from moto.iam.aws_managed_policies import aws_managed_policies_data
    except ImportError as error:
        sys.exit(f"cannot import moto ({error}); install moto or pass a JSON file path")
    return json.loads(aws_managed_policies_data)


def policy_id(arn):
    """A stable AWS-shaped policy id: ANPA + 17 base32 characters of sha256(arn)."""
    digest = hashlib.sha256(arn.encode("utf-8")).digest()
    return "ANPA" + base64.b32encode(digest).decode("ascii")[:17]


def utc_z(text):
    """An ISO 8601 timestamp rewritten in UTC with a Z suffix, to the second."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(name, source):
    """One catalog object from one source policy."""
    path = source["Path"]
    if not (path.startswith("/") and path.endswith("/")):
        sys.exit(f"policy {name}: path {path!r} must start and end with '/'")
    document = source["Document"]
    if isinstance(document, str):
        # Some dumps hold the document as JSON text; normalize it the same way.
        document = json.loads(document)
    arn = ARN_PREFIX + path + name
    return {
        "name": name,
        "path": path,
        "arn": arn,
        "policy_id": policy_id(arn),
        "default_version_id": source["DefaultVersionId"],
        "create_date": utc_z(source["CreateDate"]),
        "update_date": utc_z(source["UpdateDate"]),
        "document": json.dumps(document, separators=(",", ":"), ensure_ascii=False),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("source", nargs="?", help="JSON file of policies (default: the installed moto)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="gzip file to write")
    args = parser.parse_args()

    policies = load_source(args.source)
    catalog = [entry(name, policies[name]) for name in sorted(policies)]
    ids = {p["policy_id"] for p in catalog}
    if len(ids) != len(catalog):
        sys.exit("derived policy ids collide; lengthen the hash part")

    text = json.dumps(catalog, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text)
    output = pathlib.Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    print(f"{output}: {len(catalog)} policies, {len(text)} bytes of JSON, {len(buffer.getvalue())} gzipped")


if __name__ == "__main__":
    main()
