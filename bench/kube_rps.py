#!/usr/bin/env python3
"""Requests per second and latency of the Kubernetes front over ONE keep-alive TLS connection:
`GET {endpoint}/api/v1/namespaces/default/services` with an `aws eks get-token` bearer token
against eksim (on a file data dir, and --in-memory), and `GET /` against the bare hyper + rustls
server `crates/eksim/examples/tls_hello.rs` (same TLS setup, no store, no auth), in the same run.

Usage: python3 bench/kube_rps.py [--requests 2000] [--warmup 100]
                                 [--eksim target/release/eksim] [--hello target/release/examples/tls_hello]
Build first: cargo build --release -p eksim --bins --examples
(the default paths follow $CARGO_TARGET_DIR when it is set). Prints a Markdown table.
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import boto3
import botocore.config

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
CLUSTER = "bench"


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", "target")


def start_eksim(binary, data_dir):
    store = ["--in-memory"] if data_dir is None else ["--data-dir", data_dir]
    proc = subprocess.Popen(
        [binary, "serve", *store, "--aws-addr", "127.0.0.1:0", "--kube-addr", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    # `eksim listening aws=http://… kube=https://… data=…`
    line = proc.stdout.readline().split()
    if not line or line[:2] != ["eksim", "listening"]:
        proc.kill()
        raise RuntimeError(f"unexpected start line: {line}")
    fields = dict(f.split("=", 1) for f in line[2:])
    return proc, fields["aws"]


def mint_token(aws_url):
    """What kubectl's exec plugin gets: `aws eks get-token` with eksim as the endpoint."""
    env = dict(os.environ, AWS_ENDPOINT_URL=aws_url, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    out = subprocess.run(["aws", "eks", "get-token", "--cluster-name", CLUSTER], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["status"]["token"]


def eksim_target(aws_url):
    cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
    eks = boto3.client("eks", endpoint_url=aws_url, region_name=REGION, aws_access_key_id=KEY,
                       aws_secret_access_key=SECRET, config=cfg)
    eks.create_cluster(name=CLUSTER, roleArn="arn:aws:iam::000000000000:role/eks",
                       resourcesVpcConfig={"subnetIds": ["s1"]})
    cluster = eks.describe_cluster(name=CLUSTER)["cluster"]
    ca_pem = base64.b64decode(cluster["certificateAuthority"]["data"]).decode()
    url = urllib.parse.urlsplit(cluster["endpoint"])
    path = url.path.rstrip("/") + "/api/v1/namespaces/default/services"
    headers = {"Authorization": f"Bearer {mint_token(aws_url)}", "Accept": "application/json"}
    return url.hostname, url.port, ca_pem, path, headers


def start_hello(binary):
    proc = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().split()
    if line[:2] != ["tls_hello", "listening"]:
        proc.kill()
        raise RuntimeError(f"unexpected start line: {line}")
    pem = []
    while True:
        l = proc.stdout.readline()
        pem.append(l)
        if l.startswith("-----END CERTIFICATE-----") or not l:
            break
    url = urllib.parse.urlsplit(line[2])
    return proc, url.hostname, url.port, "".join(pem)


def measure(host, port, ca_pem, path, headers, requests, warmup):
    ctx = ssl.create_default_context(cadata=ca_pem)
    conn = http.client.HTTPSConnection(host, port, context=ctx)
    body_len = 0

    def one():
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {body[:300]!r}")
        if resp.will_close:
            raise RuntimeError("the server closed the keep-alive connection")
        return len(body)

    for _ in range(warmup):
        body_len = one()
    sock = conn.sock
    samples = []
    started = time.perf_counter_ns()
    for _ in range(requests):
        t = time.perf_counter_ns()
        one()
        samples.append((time.perf_counter_ns() - t) / 1000)
    elapsed = (time.perf_counter_ns() - started) / 1e9
    if conn.sock is not sock:
        raise RuntimeError("the connection was re-opened during the run")
    conn.close()
    samples.sort()
    return {
        "rps": requests / elapsed,
        "median": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
        "mean": statistics.mean(samples),
        "bytes": body_len,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--eksim", default=os.path.join(target_dir(), "release", "eksim"))
    ap.add_argument("--hello", default=os.path.join(target_dir(), "release", "examples", "tls_hello"))
    args = ap.parse_args()
    if shutil.which("aws") is None:
        sys.exit("the aws CLI is needed to mint the token (aws eks get-token)")
    rows = []
    tmp = tempfile.mkdtemp()
    try:
        for label, data_dir in [("eksim (SQLite file)", os.path.join(tmp, "data")), ("eksim (--in-memory)", None)]:
            proc, aws_url = start_eksim(args.eksim, data_dir)
            try:
                host, port, ca, path, headers = eksim_target(aws_url)
                m = measure(host, port, ca, path, headers, args.requests, args.warmup)
                rows.append((label, "GET /api/v1/namespaces/default/services (token verified, mapped, authorized)", m))
            finally:
                proc.terminate()
                proc.wait()
        proc, host, port, ca = start_hello(args.hello)
        try:
            rows.append(("tls_hello (hyper + rustls, no auth)", "GET /", measure(host, port, ca, "/", {}, args.requests, args.warmup)))
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| server | request | requests/s | median µs | p95 µs | mean µs | body bytes |")
    print("|---|---|---|---|---|---|---|")
    for server, req, m in rows:
        print(f"| {server} | {req} | {m['rps']:.0f} | {m['median']:.0f} | {m['p95']:.0f} | {m['mean']:.0f} | {m['bytes']} |")


if __name__ == "__main__":
    sys.exit(main())
