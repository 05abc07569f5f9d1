#!/usr/bin/env python3
"""Per-call latency of `sts get-caller-identity`, `iam get-user`, `eks describe-cluster` and
`eks create-access-entry` through one keep-alive boto3 client, eksim against moto_server in the
same run (moto 5.2.1 has no access entries, so that row is eksim's only).

Usage: python3 bench/aws_latency.py [--calls 500] [--warmup 20] [--eksim target/release/eksim]
Build eksim first: cargo build --release
Prints a Markdown table (median, p95, mean in microseconds; calls/s of one client).
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


def clients(url, key, secret):
    cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=1)
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)
    return boto3.client("sts", **kw), boto3.client("iam", **kw), boto3.client("eks", **kw)


def measure(fn, calls, warmup):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(calls):
        t = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t) / 1000)
    samples.sort()
    return {
        "median": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
        "mean": statistics.mean(samples),
    }


def run(name, url, key, secret, calls, warmup, access_entries=True):
    sts, iam, eks = clients(url, key, secret)
    try:
        iam.create_user(UserName="bench")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    rows = []
    rows.append((name, "sts get-caller-identity", measure(sts.get_caller_identity, calls, warmup)))
    rows.append((name, "iam get-user", measure(lambda: iam.get_user(UserName="bench"), calls, warmup)))
    eks.create_cluster(name="bench", roleArn=f"arn:aws:iam::{ACCOUNT[name]}:role/eks", resourcesVpcConfig={"subnetIds": ["subnet-1"]},
                       accessConfig={"authenticationMode": "API"})
    rows.append((name, "eks describe-cluster", measure(lambda: eks.describe_cluster(name="bench"), calls, warmup)))
    if access_entries:
        n = calls + warmup
        roles = []
        for i in range(n):
            roles.append(iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')["Role"]["Arn"])
        it = iter(roles)
        rows.append((name, "eks create-access-entry", measure(lambda: eks.create_access_entry(clusterName="bench", principalArn=next(it)), calls, warmup)))
    return rows


ACCOUNT = {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--eksim", default="target/release/eksim")
    args = ap.parse_args()
    rows = []
    tmp = tempfile.mkdtemp()
    ep = free_port()
    eksim = subprocess.Popen(
        [args.eksim, "serve", "--data-dir", os.path.join(tmp, "data"), "--aws-addr", f"127.0.0.1:{ep}", "--kube-addr", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    mp = free_port()
    moto = subprocess.Popen(["moto_server", "-p", str(mp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(ep)
        wait_port(mp)
        ACCOUNT["eksim (SQLite file, SigV4 verified)"] = "000000000000"
        ACCOUNT["moto_server 5.2.1 (no auth)"] = "123456789012"
        rows += run("eksim (SQLite file, SigV4 verified)", f"http://127.0.0.1:{ep}", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", args.calls, args.warmup)
        rows += run("moto_server 5.2.1 (no auth)", f"http://127.0.0.1:{mp}", "AKIAIOSFODNN7EXAMPLE", "x" * 40, args.calls, args.warmup, access_entries=False)
    finally:
        eksim.terminate()
        moto.terminate()
        eksim.wait()
        moto.wait()
    print(f"| server | call | median µs | p95 µs | mean µs | calls/s |")
    print(f"|---|---|---|---|---|---|")
    for server, call, m in rows:
        print(f"| {server} | {call} | {m['median']:.0f} | {m['p95']:.0f} | {m['mean']:.0f} | {1e6 / m['mean']:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
