#!/usr/bin/env python3
"""Generates eksim's SigV4 test cases from botocore, the client our users run.

Reads nothing but the botocore installed on this machine: its sts, iam and eks
service models and serializers (to build each request exactly as a botocore
client would) and its signers, `botocore.auth.SigV4Auth` (header form) and
`SigV4QueryAuth` (presigned form). The clock botocore's signer reads
(`botocore.auth.get_current_datetime`) is pinned and the credentials are fixed,
so the output is reproducible. When awscli is installed, the presigned cases
are also cross-checked against `aws eks get-token`'s own code, and the
modelled header-form cases against a real botocore client; a difference stops
the script.

Writes one folder per case, crates/sigv4/tests/cases/<case>/:
  request.txt            the request handed to the signer, as raw HTTP text:
                         `METHOD raw-path?raw-query HTTP/1.1`, `Name:value`
                         header lines (values exactly as given, no space added
                         after the colon), a blank line, the body. `Host` is
                         the URL authority, as http.client sends it. For the
                         presigned form the operation parameters are already
                         in the query, where SigV4QueryAuth moves them.
  context.json           credentials, region, service, timestamp (RFC 3339),
                         form (header|presigned), expires (presigned), and a
                         note when the case needs one.
  canonical-request.txt  SigV4Auth.canonical_request, as botocore computed it.
  string-to-sign.txt     SigV4Auth.string_to_sign, as botocore computed it.
  signature.txt          botocore's signature (64 hex digits, no newline).
  signed-request.txt     the request as botocore sends it: header form with
                         the headers botocore adds after signing too
                         (amz-sdk-*, Content-Length, Accept-Encoding), which
                         are unsigned; presigned form as the URL's GET.
Other files and folders under tests/cases/ are left alone; the
`every_case_folder_has_a_test` test in crates/sigv4/tests/cases.rs lists them.

Run from anywhere:  python3 scripts/gen-sigv4-cases.py [--check]
With --check nothing is written; the exit status is 1 if any file would
change (a newer botocore signing differently). Then run
`cargo test -p eksim-sigv4 --test cases`.
"""
import contextlib
import datetime
import json
import os
import sys
from unittest import mock
from urllib.parse import urlsplit

# A user's ~/.aws/config or AWS_* variables must not change what is generated.
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.handlers  # noqa: E402
import botocore.serialize  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSRequest, create_request_object, prepare_request_dict  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.utils import percent_encode_sequence  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "sigv4", "tests", "cases")

ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
NOW = datetime.datetime(2026, 11, 24, 17, 6, 26)  # naive UTC, as get_current_datetime returns
# Temporary credentials' tokens are base64: `+`, `/` and `=` must survive both forms.
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3QtMSJHMEUCIQ+eksim/example+token=="
# botocore puts its version in User-Agent; the rest of a real one names the machine.
USER_AGENT = f"Botocore/{botocore.__version__} ua/2.1 lang/python"
INVOCATION_ID = "3d6e5a5c-2c7e-4f0a-9d1b-6f2b8e4c1a70"

STS = "https://sts.us-east-1.amazonaws.com"
IAM = "https://iam.amazonaws.com"
EKS = "https://eks.us-east-1.amazonaws.com"
LOCAL = "http://127.0.0.1:4599"
EXAMPLE = "https://example.amazonaws.com"

SESSION = botocore.session.get_session()


def frozen_clock():
    return mock.patch("botocore.auth.get_current_datetime", return_value=NOW)


def credentials(token):
    return Credentials(ACCESS_KEY_ID, SECRET, token)


def modelled(service, operation, params, endpoint):
    """The AWSRequest a botocore client builds for `operation`: the model's
    serializer, then prepare_request_dict (URL, query, User-Agent)."""
    model = SESSION.get_service_model(service)
    serializer = botocore.serialize.create_serializer(model.protocol, include_validation=True)
    request_dict = serializer.serialize_to_request(params, model.operation_model(operation))
    prepare_request_dict(request_dict, endpoint_url=endpoint, user_agent=USER_AGENT)
    return create_request_object(request_dict)


def capture(signer):
    """Records what the signer's own canonical_request, string_to_sign and
    signature methods return while it signs."""
    seen = {}
    for name in ("canonical_request", "string_to_sign", "signature"):
        method = getattr(signer, name)

        def record(*args, _name=name, _method=method):
            seen[_name] = _method(*args)
            return seen[_name]

        setattr(signer, name, record)
    return seen


def host_of(url):
    return botocore.auth._host_from_url(url)


def http_text(method, url, headers, body):
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}:{value}" for name, value in headers]
    if isinstance(body, str):
        body = body.encode("utf-8")
    return ("\n".join(lines) + "\n\n").encode("utf-8") + (body or b"")


def context(service, token, form, expires=None, note=None):
    ctx = {
        "credentials": {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET},
        "region": REGION,
        "service": service,
        "timestamp": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "form": form,
    }
    if token is not None:
        ctx["credentials"]["session_token"] = token
    if expires is not None:
        ctx["expires"] = expires
    if note is not None:
        ctx["note"] = note
    ctx["generator"] = f"botocore {botocore.__version__} (scripts/gen-sigv4-cases.py)"
    return ctx


def sign_header_form(request, service, token=None, note=None, as_prepared=True):
    """Signs `request` in header form; returns the case's files.

    With `as_prepared` false, signed-request.txt shows the headers as the
    signer saw them rather than botocore's prepared request, which folds
    repeated header names into one (a case-insensitive dict)."""
    host = host_of(request.url)
    unsigned = http_text(request.method, request.url, [("Host", host)] + list(request.headers.items()), request.body)
    signer = botocore.auth.SigV4Auth(credentials(token), service, REGION)
    seen = capture(signer)
    with frozen_clock():
        signer.add_auth(request)
    # What the client does next: retry headers (a 'request-created' handler
    # that runs after the signer), then the preparer adds Content-Length, and
    # http.client adds Host and Accept-Encoding first.
    request.context["retries"] = {"attempt": 1, "invocation-id": INVOCATION_ID}
    botocore.handlers.add_retry_headers(request)
    prepared = request.prepare()
    headers = prepared.headers.items() if as_prepared else request.headers.items()
    if not as_prepared and "Content-Length" in prepared.headers:
        headers = list(headers) + [("Content-Length", prepared.headers["Content-Length"])]
    sent = [("Host", host), ("Accept-Encoding", "identity")] + list(headers)
    return {
        "request.txt": unsigned,
        "context.json": context(service, token, "header", note=note),
        "canonical-request.txt": seen["canonical_request"],
        "string-to-sign.txt": seen["string_to_sign"],
        "signature.txt": seen["signature"],
        "signed-request.txt": http_text(prepared.method, prepared.url, sent, prepared.body),
    }


def get_token_request(endpoint, cluster):
    """The request `aws eks get-token` presigns: GetCallerIdentity serialized
    for STS, switched to GET (its HttpMethod='GET'), the `x-k8s-aws-id` header
    added (its before-sign handler), the form Content-Type removed (botocore's
    remove_content_type_header_for_presigning)."""
    model = SESSION.get_service_model("sts")
    serializer = botocore.serialize.create_serializer(model.protocol, include_validation=True)
    request_dict = serializer.serialize_to_request({}, model.operation_model("GetCallerIdentity"))
    prepare_request_dict(request_dict, endpoint_url=endpoint)
    request_dict["method"] = "GET"
    request = create_request_object(request_dict)
    request.headers["x-k8s-aws-id"] = cluster
    del request.headers["Content-Type"]
    return request


def presigned(endpoint, cluster, token=None, expires=60):
    request = get_token_request(endpoint, cluster)
    host = host_of(request.url)
    params = dict(request.data)
    query_url = f"{request.url}?{percent_encode_sequence(params)}"
    headers = [("Host", host)] + list(request.headers.items())
    unsigned = http_text("GET", query_url, headers, b"")
    signer = botocore.auth.SigV4QueryAuth(credentials(token), "sts", REGION, expires=expires)
    seen = capture(signer)
    with frozen_clock():
        signer.add_auth(request)
    prepared = request.prepare()
    cross_check_get_token(endpoint, cluster, token, prepared.url)
    return {
        "request.txt": unsigned,
        "context.json": context("sts", token, "presigned", expires=expires),
        "canonical-request.txt": seen["canonical_request"],
        "string-to-sign.txt": seen["string_to_sign"],
        "signature.txt": seen["signature"],
        "signed-request.txt": http_text("GET", prepared.url, headers, b""),
    }


def cross_check_get_token(endpoint, cluster, token, url):
    """The URL must be the one awscli's get-token code presigns."""
    try:
        from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator
    except ImportError:
        print("awscli not installed: presigned cases not cross-checked", file=sys.stderr)
        return
    session = botocore.session.get_session()
    session.set_credentials(ACCESS_KEY_ID, SECRET, token)
    env = {} if endpoint == STS else {"AWS_ENDPOINT_URL_STS": endpoint}
    with mock.patch.dict(os.environ, env), frozen_clock():
        sts = STSClientFactory(session).get_sts_client(region_name=REGION)
        expected = TokenGenerator(sts)._get_presigned_url(cluster)
    if expected != url:
        sys.exit(f"get-token presigns\n  {expected}\nbut the case has\n  {url}")


class _Sent(Exception):
    pass


def cross_check_client(service, operation, params, endpoint, token, files):
    """A real client must send the same Authorization as the case."""
    session = botocore.session.get_session()
    client = session.create_client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
    )
    sent = {}

    def before_send(request, **_):
        sent["request"] = request
        raise _Sent()

    client.meta.events.register("before-send", before_send)
    with frozen_clock(), contextlib.suppress(_Sent):
        getattr(client, botocore.xform_name(operation))(**params)
    authorization = sent["request"].headers["Authorization"]
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    if f"Signature={files['signature.txt']}" not in authorization:
        sys.exit(f"a {service} client signs {operation} as\n  {authorization}\nnot with {files['signature.txt']}")


def op_case(service, operation, params, endpoint, token=None):
    files = sign_header_form(modelled(service, operation, params, endpoint), service, token)
    cross_check_client(service, operation, params, endpoint, token, files)
    return files


def raw_case(method, url, headers, body=b"", note=None, as_prepared=True):
    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value  # appends: repeated names are kept
    request.headers["User-Agent"] = USER_AGENT
    return sign_header_form(request, "service", note=note, as_prepared=as_prepared)


ACCESS_ENTRY_ARN = "arn:aws:iam::123456789012:role/dev/my role"


def cases():
    yield "sts-get-caller-identity", op_case("sts", "GetCallerIdentity", {}, STS)
    yield "sts-get-caller-identity-session-token", op_case("sts", "GetCallerIdentity", {}, STS, SESSION_TOKEN)
    yield "sts-get-caller-identity-host-port", op_case("sts", "GetCallerIdentity", {}, LOCAL)
    yield "sts-assume-role", op_case(
        "sts",
        "AssumeRole",
        {"RoleArn": "arn:aws:iam::123456789012:role/team/eks-admin", "RoleSessionName": "alice@example.com"},
        STS,
    )
    yield "sts-get-session-token-mfa", op_case(
        "sts",
        "GetSessionToken",
        {"DurationSeconds": 900, "SerialNumber": "arn:aws:iam::123456789012:mfa/alice", "TokenCode": "123456"},
        STS,
    )
    yield "iam-list-users", op_case("iam", "ListUsers", {}, IAM)
    yield "iam-create-user-path", op_case("iam", "CreateUser", {"Path": "/dev/", "UserName": "alice"}, IAM)
    yield "iam-create-user-unicode", op_case(
        "iam",
        "CreateUser",
        {"UserName": "zoe", "Tags": [{"Key": "owner", "Value": "Zoë Ångström 東京"}]},
        IAM,
    )
    yield "eks-describe-cluster", op_case("eks", "DescribeCluster", {"name": "demo"}, EKS)
    yield "eks-list-clusters-query", op_case("eks", "ListClusters", {"maxResults": 5, "nextToken": "abc"}, EKS)
    yield "eks-describe-access-entry-arn-label", op_case(
        "eks", "DescribeAccessEntry", {"clusterName": "demo", "principalArn": ACCESS_ENTRY_ARN}, EKS
    )
    yield "eks-create-access-entry", op_case(
        "eks",
        "CreateAccessEntry",
        {
            "clusterName": "demo",
            "principalArn": "arn:aws:iam::123456789012:role/dev",
            "kubernetesGroups": ["dev-team"],
            "username": "dev:{{SessionName}}",
            "clientRequestToken": "0b4f1c2e-6d3a-4e5f-8a9b-1c2d3e4f5a6b",
        },
        EKS,
    )
    yield "eks-associate-access-policy", op_case(
        "eks",
        "AssociateAccessPolicy",
        {
            "clusterName": "demo",
            "principalArn": ACCESS_ENTRY_ARN,
            "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            "accessScope": {"type": "namespace", "namespaces": ["dev", "qa"]},
        },
        EKS,
    )
    yield "service-query-order", raw_case(
        "GET",
        # Mixed-case keys, a repeated key, an empty value and a key without
        # `=`: botocore sorts the raw pairs and signs `flag` as `flag=`.
        f"{EXAMPLE}/?param=lower&Param=upper&b=2&b=1&PARAM2=x&empty=&flag&a=z",
        [],
    )
    yield "service-query-reserved", raw_case(
        "GET",
        EXAMPLE
        + "/?"
        + percent_encode_sequence(
            [
                ("space", "a b"),
                ("plus", "a+b"),
                ("slash", "a/b"),
                ("tilde", "a~b"),
                ("percent", "100%"),
                ("unreserved", "AZaz09-._~"),
                ("reserved", ":/?#[]@!$&'()*,;="),
                ("utf8", "ü東"),
            ]
        ),
        [],
    )
    yield "service-header-value-trim", raw_case(
        "GET",
        f"{EXAMPLE}/",
        [("My-Header1", "  value1  "), ("My-Header2", '"a   b \t  c"'), ("My-Header3", "  x  y  ")],
    )
    yield "service-header-duplicate", raw_case(
        "GET",
        f"{EXAMPLE}/",
        [("My-Header", "z"), ("My-Header", "a"), ("my-header", "  m  n ")],
        note="botocore signs every value of a repeated header, joined with ','; its preparer then "
        "keeps only the last one, so signed-request.txt shows the headers as the signer saw them.",
        as_prepared=False,
    )
    yield "service-header-key-case", raw_case(
        "POST",
        f"{EXAMPLE}/",
        [("X-AMZ-Custom", "1"), ("x-Mixed-CASE", "2"), ("ZOO", "3"), ("content-TYPE", "text/plain")],
        body=b"Param1=value1",
    )
    yield "sts-presigned-get-token", presigned(STS, "demo")
    yield "sts-presigned-get-token-session-token", presigned(STS, "demo", SESSION_TOKEN)
    yield "sts-presigned-get-token-host-port", presigned(LOCAL, "demo")


def encode(name, content):
    if name.endswith(".json"):
        return (json.dumps(content, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if isinstance(content, str):
        return content.encode("utf-8")
    return content


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for case, files in cases():
        folder = os.path.normpath(os.path.join(OUT, case))
        for name, content in files.items():
            path = os.path.join(folder, name)
            data = encode(name, content)
            try:
                with open(path, "rb") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current == data:
                continue
            stale.append(path)
            if not check:
                os.makedirs(folder, exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
    verb = "would change" if check else "written"
    for path in stale:
        print(f"{verb}: {os.path.relpath(path)}")
    if check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
