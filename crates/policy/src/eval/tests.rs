//! Table-driven tests of [`evaluate`] and [`evaluate_trust`] (reference `iam-sts.md` §5.5, §10).

use super::*;
use crate::parse;

const ACCT: &str = "123456789012";
const OTHER: &str = "111111111111";
const ALICE: &str = "arn:aws:iam::123456789012:user/dev/alice";
const ALICE_ID: &str = "AIDACKCEVSQ6C2EXAMPLE";
const ROLE: &str = "arn:aws:iam::123456789012:role/ops/deployer";
const ROLE_ID: &str = "AROADBQP57FF2AEXAMPLE";
const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/deployer/ci";
const CLUSTER: &str = "arn:aws:eks:us-east-1:123456789012:cluster/demo";

use EvalDecision::{Allowed, ExplicitDeny, ImplicitDeny};
use PolicySetKind::{Boundary, Identity, Resource, Session, Trust};

/// A parsed policy; the tests only use documents that must parse.
fn named(name: &str, kind: PolicyKind, source: PolicySource, doc: &str) -> NamedPolicy {
    let policy = parse(doc, kind);
    assert!(policy.is_ok(), "{name}: {policy:?}");
    let policy =
        policy.unwrap_or(Policy { kind, version: crate::PolicyVersion::Absent, id: None, statements: Vec::new() });
    NamedPolicy::new(name, source, policy)
}

fn inline(name: &str, doc: &str) -> NamedPolicy {
    let source = PolicySource::Inline { owner: OwnerKind::User, owner_name: "alice".into() };
    named(name, PolicyKind::Identity, source, doc)
}

fn managed(name: &str, kind: PolicyKind, doc: &str) -> NamedPolicy {
    let source = PolicySource::Managed { arn: format!("arn:aws:iam::{ACCT}:policy/{name}"), aws_managed: false };
    named(name, kind, source, doc)
}

fn trust_policy(doc: &str) -> NamedPolicy {
    let source = PolicySource::Resource { arn: ROLE.into() };
    named("deployer", PolicyKind::Trust, source, doc)
}

/// A 2012-10-17 document with the given statements.
fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn allow(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}"#)
}

fn deny(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}"#)
}

/// Evaluates `request` and compares the effect and the deciding set with `expected`.
fn check(
    name: &str,
    request: &Request<'_>,
    sets: &PolicySets<'_>,
    expected: (EvalDecision, Option<PolicySetKind>),
) -> Decision {
    let decision = evaluate(request, sets);
    assert_eq!(
        (decision.effect, decision.denied_by),
        expected,
        "{name}: {} on {}: {decision:#?}",
        request.action,
        request.resource
    );
    decision
}

/// One identity-policy case: statements, action, resource, context, expected outcome.
type IdentityCase<'a> = (&'a str, String, &'a str, &'a str, Context, (EvalDecision, Option<PolicySetKind>));

fn check_identity_cases(cases: Vec<IdentityCase<'_>>) {
    for (name, document, action, resource, context, expected) in cases {
        let policy = inline(name, &document);
        let sets = PolicySets { identity: vec![&policy], ..PolicySets::default() };
        check(name, &Request::new(action, resource, &context), &sets, expected);
    }
}

#[test]
fn identity_policies_match_actions_and_resources() {
    let none = Context::new;
    let allowed = (Allowed, None);
    let implicit = (ImplicitDeny, Some(Identity));
    check_identity_cases(vec![
        (
            "no statement applies",
            doc(&allow("eks:ListClusters", "*")),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            implicit,
        ),
        ("exact action", doc(&allow("eks:DescribeCluster", CLUSTER)), "eks:DescribeCluster", CLUSTER, none(), allowed),
        (
            "action case-insensitive",
            doc(&allow("EKS:describecluster", "*")),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            allowed,
        ),
        ("action wildcard", doc(&allow("eks:Describe*", "*")), "eks:DescribeCluster", CLUSTER, none(), allowed),
        ("action ?", doc(&allow("eks:DescribeClust?r", "*")), "eks:DescribeCluster", CLUSTER, none(), allowed),
        ("star action", doc(&allow("*", "*")), "eks:DescribeCluster", CLUSTER, none(), allowed),
        (
            "resource glob",
            doc(&allow("eks:*", "arn:aws:eks:*:*:cluster/*")),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            allowed,
        ),
        (
            "resource case-sensitive",
            doc(&allow("eks:*", "arn:aws:eks:*:*:cluster/DEMO")),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            implicit,
        ),
        (
            "resource other account",
            doc(&allow("eks:*", "arn:aws:eks:*:111111111111:cluster/*")),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            implicit,
        ),
        (
            "synthetic list resource",
            doc(&allow("eks:ListClusters", "arn:aws:eks:*:*:cluster/*")),
            "eks:ListClusters",
            "arn:aws:eks:us-east-1:123456789012:cluster/*",
            none(),
            allowed,
        ),
        (
            "resource list any",
            doc(
                r#"{"Effect":"Allow","Action":"eks:*","Resource":["arn:aws:eks:*:*:cluster/x",  "arn:aws:eks:*:*:cluster/demo"]}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            allowed,
        ),
        (
            "NotAction allow grants others",
            doc(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            allowed,
        ),
        (
            "NotAction allow excludes listed",
            doc(r#"{"Effect":"Allow","NotAction":["iam:*","eks:Describe*"],"Resource":"*"}"#),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            implicit,
        ),
        (
            "NotResource allow",
            doc(r#"{"Effect":"Allow","Action":"eks:*","NotResource":"arn:aws:eks:*:*:cluster/prod"}"#),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            allowed,
        ),
        (
            "NotResource allow excludes",
            doc(r#"{"Effect":"Allow","Action":"eks:*","NotResource":["arn:aws:eks:*:*:cluster/d*"]}"#),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            implicit,
        ),
        (
            "explicit deny beats allow",
            doc(&format!("{},{}", allow("*", "*"), deny("eks:DescribeCluster", CLUSTER))),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            (ExplicitDeny, Some(Identity)),
        ),
        (
            "deny elsewhere leaves allow",
            doc(&format!("{},{}", allow("*", "*"), deny("eks:DeleteCluster", "*"))),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            allowed,
        ),
        (
            "NotAction deny denies the rest",
            doc(&format!(r#"{},{{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}}"#, allow("*", "*"))),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            (ExplicitDeny, Some(Identity)),
        ),
        (
            "NotResource deny",
            doc(&format!(
                r#"{},{{"Effect":"Deny","Action":"*","NotResource":"arn:aws:eks:*:*:cluster/safe"}}"#,
                allow("*", "*")
            )),
            "eks:DescribeCluster",
            CLUSTER,
            none(),
            (ExplicitDeny, Some(Identity)),
        ),
        (
            "failing condition on allow is an implicit deny",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:RequestedRegion", "us-east-1"),
            implicit,
        ),
        (
            "passing condition",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"AWS:REQUESTEDREGION":["eu-west-1","us-east-1"]},"Bool":{"aws:SecureTransport":"true"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:RequestedRegion", "us-east-1").with("aws:SecureTransport", "true"),
            allowed,
        ),
        (
            "conditions AND across operators",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:RequestedRegion", "us-east-1").with("aws:SecureTransport", "false"),
            implicit,
        ),
        (
            "source ip",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1"]}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:SourceIp", "127.0.0.1"),
            allowed,
        ),
        (
            "date window",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:CurrentTime", "2026-05-01T10:00:00Z"),
            allowed,
        ),
        (
            "date window passed",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:CurrentTime", "2026-05-01T10:00:00Z"),
            implicit,
        ),
    ]);
}

#[test]
fn policy_variables_substitute_only_in_version_2012() {
    let own_user = r#"{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}"#;
    let with_name = || Context::new().with("aws:username", "alice");
    let allowed = (Allowed, None);
    let implicit = (ImplicitDeny, Some(Identity));
    check_identity_cases(vec![
        ("own user", doc(own_user), "iam:GetUser", "arn:aws:iam::123456789012:user/alice", with_name(), allowed),
        ("other user", doc(own_user), "iam:GetUser", "arn:aws:iam::123456789012:user/bob", with_name(), implicit),
        (
            "no username (role session)",
            doc(own_user),
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/alice",
            Context::new(),
            implicit,
        ),
        (
            "version 2008 is literal",
            format!(r#"{{"Version":"2008-10-17","Statement":[{own_user}]}}"#),
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/alice",
            with_name(),
            implicit,
        ),
        (
            "version 2008 literal matches literally",
            format!(r#"{{"Version":"2008-10-17","Statement":[{own_user}]}}"#),
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/${aws:username}",
            with_name(),
            allowed,
        ),
        (
            "absent version is literal",
            format!(r#"{{"Statement":[{own_user}]}}"#),
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/alice",
            with_name(),
            implicit,
        ),
        (
            "default value",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*"}"#,
            ),
            "s3:GetObject",
            "arn:aws:s3:::b/shared/x",
            Context::new(),
            allowed,
        ),
        (
            "tag variable",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}"#),
            "s3:GetObject",
            "arn:aws:s3:::b/blue/x",
            Context::new().with("aws:principaltag/TEAM", "blue"),
            allowed,
        ),
        (
            "variable value is literal",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}"#),
            "s3:GetObject",
            "arn:aws:s3:::b/alice",
            Context::new().with("aws:username", "*"),
            implicit,
        ),
        (
            "special ${*}",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${*}"}"#),
            "s3:GetObject",
            "arn:aws:s3:::b/*",
            Context::new(),
            allowed,
        ),
        (
            "special ${*} is not a wildcard",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${*}"}"#),
            "s3:GetObject",
            "arn:aws:s3:::b/x",
            Context::new(),
            implicit,
        ),
        (
            "missing variable in NotResource matches nothing",
            doc(r#"{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::b/${aws:username}"}"#),
            "s3:GetObject",
            "arn:aws:s3:::other",
            Context::new(),
            implicit,
        ),
        (
            "variable in condition",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            with_name().with("aws:PrincipalTag/owner", "alice"),
            allowed,
        ),
        (
            "missing variable fails StringEquals",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:PrincipalTag/owner", "alice"),
            implicit,
        ),
        (
            "missing variable passes StringNotEquals",
            doc(
                r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}}"#,
            ),
            "eks:DescribeCluster",
            CLUSTER,
            Context::new().with("aws:PrincipalTag/owner", "alice"),
            allowed,
        ),
    ]);
}

/// The AWS self-manage-MFA sample (§10.4): its Deny bites long-term keys and MFA-less sessions.
#[test]
fn mfa_sample_policy_denies_without_mfa_and_allows_with_it() {
    let block = r#"{"Sid":"BlockMostAccessUnlessSignedInWithMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:ListMFADevices","iam:ListUsers","iam:ListVirtualMFADevices","iam:ResyncMFADevice"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}"#;
    let describe = r#"{"Sid":"AllowDescribe","Effect":"Allow","Action":"eks:DescribeCluster","Resource":"*"}"#;
    let policy = managed("ForceMFA", PolicyKind::Managed, &doc(&format!("{block},{describe}")));
    let sets = PolicySets { identity: vec![&policy], ..PolicySets::default() };
    let long_term = Context::new().with("aws:username", "alice");
    let no_mfa = long_term.clone().with("aws:MultiFactorAuthPresent", "false");
    let mfa = long_term.clone().with("aws:MultiFactorAuthPresent", "true");
    for (caller, context, expected, decisive_sid) in [
        ("long-term key", &long_term, (ExplicitDeny, Some(Identity)), "BlockMostAccessUnlessSignedInWithMFA"),
        (
            "GetSessionToken without MFA",
            &no_mfa,
            (ExplicitDeny, Some(Identity)),
            "BlockMostAccessUnlessSignedInWithMFA",
        ),
        ("GetSessionToken with MFA", &mfa, (Allowed, None), "AllowDescribe"),
    ] {
        let d = check(caller, &Request::new("eks:DescribeCluster", CLUSTER, context), &sets, expected);
        let sids: Vec<_> = d.decisive().filter_map(|m| m.sid.as_deref()).collect();
        assert_eq!(sids, vec![decisive_sid], "{caller}");
    }
    // The listed MFA actions stay open without MFA (but nothing allows them here).
    check(
        "listed MFA actions are not denied",
        &Request::new("iam:ListMFADevices", "arn:aws:iam::123456789012:user/alice", &long_term),
        &sets,
        (ImplicitDeny, Some(Identity)),
    );

    // The naive Bool form never fires for long-term keys, whose context lacks the key.
    let naive = block.replace("BoolIfExists", "Bool");
    let naive = managed("Naive", PolicyKind::Managed, &doc(&format!("{naive},{describe}")));
    let sets = PolicySets { identity: vec![&naive], ..PolicySets::default() };
    check(
        "naive Bool misses long-term keys",
        &Request::new("eks:DescribeCluster", CLUSTER, &long_term),
        &sets,
        (Allowed, None),
    );
    check(
        "naive Bool catches MFA-less sessions",
        &Request::new("eks:DescribeCluster", CLUSTER, &no_mfa),
        &sets,
        (ExplicitDeny, Some(Identity)),
    );
}

#[test]
fn boundaries_and_session_policies_intersect() {
    let all = inline("all", &doc(&allow("*", "*")));
    let eks_only = managed("eks-only", PolicyKind::Boundary, &doc(&allow("eks:*", "*")));
    let no_delete =
        managed("no-delete", PolicyKind::Boundary, &doc(&format!("{},{}", allow("*", "*"), deny("eks:Delete*", "*"))));
    let session_describe =
        named("session", PolicyKind::Session, PolicySource::Supplied, &doc(&allow("eks:Describe*", "*")));
    let session_deny = named(
        "session-deny",
        PolicyKind::Session,
        PolicySource::Supplied,
        &doc(&format!("{},{}", allow("*", "*"), deny("eks:DescribeCluster", "*"))),
    );
    let nothing = inline("nothing", &doc(&allow("s3:GetObject", "*")));
    let deny_all = inline("deny-all", &doc(&deny("*", "*")));
    let ctx = Context::new();
    type Case<'a> = (
        &'a str,
        Vec<&'a NamedPolicy>,
        Option<&'a NamedPolicy>,
        Vec<&'a NamedPolicy>,
        &'a str,
        (EvalDecision, Option<PolicySetKind>),
        Option<bool>,
    );
    let cases: Vec<Case<'_>> = vec![
        ("boundary allows", vec![&all], Some(&eks_only), vec![], "eks:DescribeCluster", (Allowed, None), Some(true)),
        (
            "boundary lacks the action",
            vec![&all],
            Some(&eks_only),
            vec![],
            "iam:ListUsers",
            (ImplicitDeny, Some(Boundary)),
            Some(false),
        ),
        (
            "boundary cannot grant",
            vec![&nothing],
            Some(&eks_only),
            vec![],
            "eks:DescribeCluster",
            (ImplicitDeny, Some(Identity)),
            Some(true),
        ),
        (
            "boundary explicit deny",
            vec![&all],
            Some(&no_delete),
            vec![],
            "eks:DeleteCluster",
            (ExplicitDeny, Some(Boundary)),
            Some(true),
        ),
        ("session allows", vec![&all], None, vec![&session_describe], "eks:DescribeCluster", (Allowed, None), None),
        (
            "session lacks the action",
            vec![&all],
            None,
            vec![&session_describe],
            "eks:ListClusters",
            (ImplicitDeny, Some(Session)),
            None,
        ),
        (
            "any session policy may allow",
            vec![&all],
            None,
            vec![&session_describe, &session_deny],
            "eks:ListClusters",
            (Allowed, None),
            None,
        ),
        (
            "session explicit deny",
            vec![&all],
            None,
            vec![&session_deny],
            "eks:DescribeCluster",
            (ExplicitDeny, Some(Session)),
            None,
        ),
        (
            "session cannot grant",
            vec![&nothing],
            None,
            vec![&session_describe],
            "eks:DescribeCluster",
            (ImplicitDeny, Some(Identity)),
            None,
        ),
        (
            "identity deny named before boundary",
            vec![&all, &deny_all],
            Some(&no_delete),
            vec![],
            "eks:DeleteCluster",
            (ExplicitDeny, Some(Identity)),
            Some(true),
        ),
        (
            "boundary then session",
            vec![&all],
            Some(&eks_only),
            vec![&session_describe],
            "eks:ListClusters",
            (ImplicitDeny, Some(Session)),
            Some(true),
        ),
    ];
    for (name, identity, boundary, session, action, expected, boundary_allowed) in cases {
        let sets = PolicySets { identity, boundary, session, resource: None };
        let d = check(name, &Request::new(action, CLUSTER, &ctx), &sets, expected);
        assert_eq!(d.boundary_allowed, boundary_allowed, "{name}");
    }
}

#[test]
fn root_is_always_allowed() {
    let deny_all = inline("deny", &doc(&deny("*", "*")));
    let sets = PolicySets { identity: vec![&deny_all], ..PolicySets::default() };
    let ctx = Context::new();
    let root = Caller::root(ACCT);
    let d = check(
        "root caller",
        &Request::new("eks:DeleteCluster", CLUSTER, &ctx).with_caller(&root),
        &sets,
        (Allowed, None),
    );
    assert!(d.root && d.matched.is_empty());
    check("root flag", &Request::new("eks:DeleteCluster", CLUSTER, &ctx).as_root(), &sets, (Allowed, None));
    check(
        "same request without root",
        &Request::new("eks:DeleteCluster", CLUSTER, &ctx),
        &sets,
        (ExplicitDeny, Some(Identity)),
    );
}

#[test]
fn decisions_record_matched_statements_and_missing_keys() {
    let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"Read\", \"Effect\": \"Allow\", \"Action\": \"eks:Describe*\", \"Resource\": \"*\",\n     \"Condition\": {\"StringEqualsIfExists\": {\"aws:RequestedRegion\": \"us-east-1\"}, \"Null\": {\"aws:TokenIssueTime\": \"true\"}}},\n    {\"Effect\": \"Deny\", \"Action\": \"iam:*\", \"Resource\": \"*\", \"Condition\": {\"Bool\": {\"aws:ViaAWSService\": \"true\"}}}\n  ]\n}";
    let p = managed("reader", PolicyKind::Managed, text);
    let sets = PolicySets { identity: vec![&p], ..PolicySets::default() };
    let ctx = Context::new();
    let d = check(
        "allowed with matched statement",
        &Request::new("eks:DescribeCluster", CLUSTER, &ctx),
        &sets,
        (Allowed, None),
    );
    assert_eq!(
        d.matched,
        vec![MatchedStatement {
            set: Identity,
            policy_name: "reader".into(),
            source: PolicySource::Managed { arn: format!("arn:aws:iam::{ACCT}:policy/reader"), aws_managed: false },
            sid: Some("Read".into()),
            index: 0,
            effect: Effect::Allow,
            start: Position { line: 4, column: 6 },
            end: Position { line: 5, column: 122 },
        }]
    );
    assert_eq!(d.missing_context, vec!["aws:RequestedRegion", "aws:TokenIssueTime"]);
    assert_eq!(d.matched[0].source.simulator_type(), "user-managed");

    // Keys of statements that do not match on action are not reported.
    let d = check(
        "unrelated action",
        &Request::new("s3:GetObject", "arn:aws:s3:::b", &ctx),
        &sets,
        (ImplicitDeny, Some(Identity)),
    );
    assert!(d.missing_context.is_empty() && d.matched.is_empty());
}

#[test]
fn explicit_deny_names_the_managed_policy_in_the_message() {
    let all = inline("all", &doc(&allow("*", "*")));
    let quarantine = named(
        "AWSCompromisedKeyQuarantineV3",
        PolicyKind::Managed,
        PolicySource::Managed {
            arn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3".into(),
            aws_managed: true,
        },
        &doc(&deny("eks:*", "*")),
    );
    let inline_deny = inline("inline-deny", &doc(&deny("iam:*", "*")));
    let sets = PolicySets { identity: vec![&all, &inline_deny, &quarantine], ..PolicySets::default() };
    let ctx = Context::new();
    let d = check(
        "AWS-managed deny",
        &Request::new("eks:DescribeCluster", CLUSTER, &ctx),
        &sets,
        (ExplicitDeny, Some(Identity)),
    );
    assert_eq!(
        crate::access_denied_message(ALICE, "eks:DescribeCluster", CLUSTER, &d),
        format!("User: {ALICE} is not authorized to perform: eks:DescribeCluster on resource: {CLUSTER} with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3")
    );
    assert_eq!(d.denying_statement().map(|m| m.source.simulator_type()), Some("aws-managed"));
    let d = check(
        "inline deny",
        &Request::new("iam:ListUsers", "arn:aws:iam::123456789012:user/", &ctx),
        &sets,
        (ExplicitDeny, Some(Identity)),
    );
    assert_eq!(
        crate::access_denied_message(ALICE, "iam:ListUsers", "arn:aws:iam::123456789012:user/", &d),
        format!("User: {ALICE} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ with an explicit deny in an identity-based policy")
    );
}

mod trust;
