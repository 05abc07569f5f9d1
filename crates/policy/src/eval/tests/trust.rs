//! Trust and resource policies: principal matching and the AssumeRole decision (§5.5, §10.2).

use super::*;

fn alice() -> Caller {
    Caller::user(ACCT, ALICE, Some(ALICE_ID))
}

fn ci_session() -> Caller {
    Caller::role_session(ACCT, ROLE, SESSION, Some(ROLE_ID))
}

/// Evaluates a trust policy alone and compares the effect and the grant with `expected`.
fn check_trust(
    name: &str,
    caller: &Caller,
    action: &str,
    trust: &NamedPolicy,
    context: &Context,
    expected: (EvalDecision, Option<PrincipalGrant>),
) -> TrustDecision {
    let d = evaluate_trust(caller, action, trust, context);
    assert_eq!((d.effect, d.grant), expected, "{name} for {}: {d:#?}", caller.arn);
    d
}

fn trust_doc(principal: &str) -> String {
    doc(&format!(r#"{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}"#))
}

#[test]
fn trust_policies_match_principals() {
    let other_user = Caller::user(OTHER, "arn:aws:iam::111111111111:user/mallory", None);
    let eks = Caller::service("eks.amazonaws.com");
    let root = Caller::root(ACCT);
    let ctx = Context::new();
    use PrincipalGrant::*;
    for (principal, caller, expected) in [
        (r#""*""#.to_string(), alice(), Some(Wildcard)),
        (r#"{"AWS":"*"}"#.to_string(), other_user.clone(), Some(Wildcard)),
        (format!(r#"{{"AWS":"{ACCT}"}}"#), alice(), Some(Account)),
        (format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:root"}}"#), ci_session(), Some(Account)),
        (format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:root"}}"#), root.clone(), Some(Direct)),
        (format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:root"}}"#), other_user.clone(), None),
        (format!(r#"{{"AWS":"{ALICE}"}}"#), alice(), Some(Direct)),
        (format!(r#"{{"AWS":["{OTHER}","{ALICE}"]}}"#), alice(), Some(Direct)),
        (r#"{"AWS":"arn:aws:iam::123456789012:user/alice"}"#.to_string(), alice(), None),
        (format!(r#"{{"AWS":"{ALICE_ID}"}}"#), alice(), Some(Direct)),
        (format!(r#"{{"AWS":"{ROLE}"}}"#), ci_session(), Some(Direct)),
        (format!(r#"{{"AWS":"{ROLE_ID}"}}"#), ci_session(), Some(Direct)),
        (format!(r#"{{"AWS":"{SESSION}"}}"#), ci_session(), Some(Direct)),
        (r#"{"AWS":"arn:aws:sts::123456789012:assumed-role/deployer/other"}"#.to_string(), ci_session(), None),
        (r#"{"Service":"eks.amazonaws.com"}"#.to_string(), eks.clone(), Some(Direct)),
        (r#"{"Service":"ec2.amazonaws.com"}"#.to_string(), eks.clone(), None),
        (format!(r#"{{"AWS":"{ACCT}"}}"#), eks.clone(), None),
        (r#"{"Service":"eks.amazonaws.com"}"#.to_string(), alice(), None),
        (r#"{"Federated":"arn:aws:iam::123456789012:oidc-provider/x"}"#.to_string(), alice(), None),
    ] {
        let trust = trust_policy(&trust_doc(&principal));
        let effect = if expected.is_some() { Allowed } else { ImplicitDeny };
        check_trust(&principal, &caller, "sts:AssumeRole", &trust, &ctx, (effect, expected));
    }
}

#[test]
fn trust_policy_denies_conditions_and_not_principal() {
    let ctx_mfa = Context::new().with("aws:MultiFactorAuthPresent", "true");
    let ctx = Context::new();
    let allow_acct = format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"{ACCT}"}},"Action":"sts:AssumeRole"}}"#);
    let mfa_only = doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"sts:AssumeRole","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}"#
    ));
    let deny_alice =
        doc(&format!(r#"{allow_acct},{{"Effect":"Deny","Principal":{{"AWS":"{ALICE}"}},"Action":"sts:AssumeRole"}}"#));
    let not_principal = doc(&format!(
        r#"{allow_acct},{{"Effect":"Deny","NotPrincipal":{{"AWS":["{ALICE}","arn:aws:iam::{ACCT}:root"]}},"Action":"sts:*"}}"#
    ));
    let not_principal_missing_account =
        doc(&format!(r#"{allow_acct},{{"Effect":"Deny","NotPrincipal":{{"AWS":"{ALICE}"}},"Action":"sts:*"}}"#));
    let external_id = doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ACCT}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"secret"}}}}}}"#
    ));
    for (name, document, caller, context, expected) in [
        ("MFA required and present", mfa_only.clone(), alice(), &ctx_mfa, (Allowed, Some(PrincipalGrant::Direct))),
        ("MFA required and absent", mfa_only, alice(), &ctx, (ImplicitDeny, None)),
        ("explicit deny in trust", deny_alice.clone(), alice(), &ctx, (ExplicitDeny, None)),
        ("deny names someone else", deny_alice, ci_session(), &ctx, (Allowed, Some(PrincipalGrant::Account))),
        (
            "NotPrincipal excludes user and account",
            not_principal.clone(),
            alice(),
            &ctx,
            (Allowed, Some(PrincipalGrant::Account)),
        ),
        ("NotPrincipal denies others", not_principal, ci_session(), &ctx, (ExplicitDeny, None)),
        ("NotPrincipal must list the account too", not_principal_missing_account, alice(), &ctx, (ExplicitDeny, None)),
        ("external id missing", external_id.clone(), alice(), &ctx, (ImplicitDeny, None)),
    ] {
        let trust = trust_policy(&document);
        check_trust(name, &caller, "sts:AssumeRole", &trust, context, expected);
    }
    let trust = trust_policy(&external_id);
    let with_id = Context::new().with("sts:ExternalId", "secret");
    let d = check_trust(
        "external id given",
        &alice(),
        "sts:AssumeRole",
        &trust,
        &with_id,
        (Allowed, Some(PrincipalGrant::Account)),
    );
    assert!(d.missing_context.is_empty());
    let d = check_trust("other action", &alice(), "sts:TagSession", &trust, &ctx, (ImplicitDeny, None));
    assert!(d.matched.is_empty());
    let d = check_trust("missing external id", &alice(), "sts:AssumeRole", &trust, &ctx, (ImplicitDeny, None));
    assert_eq!(d.missing_context, vec!["sts:ExternalId"]);
}

#[test]
fn assume_role_combines_trust_and_identity_policies() {
    let may_assume = inline("assume", &doc(&allow("sts:AssumeRole", ROLE)));
    let may_not = inline("other", &doc(&allow("eks:*", "*")));
    let deny_assume = inline("deny", &doc(&deny("sts:AssumeRole", "*")));
    let direct = trust_policy(&trust_doc(&format!(r#"{{"AWS":"{ALICE}"}}"#)));
    let account = trust_policy(&trust_doc(&format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:root"}}"#)));
    let wildcard = trust_policy(&trust_doc(r#"{"AWS":"*"}"#));
    let service = trust_policy(&trust_doc(r#"{"Service":"eks.amazonaws.com"}"#));
    let ctx = Context::new();
    let me = alice();
    let eks = Caller::service("eks.amazonaws.com");
    let mallory = Caller::user(OTHER, "arn:aws:iam::111111111111:user/mallory", None);
    let cross = trust_policy(&trust_doc(r#"{"AWS":"arn:aws:iam::111111111111:user/mallory"}"#));
    type Case<'a> = (&'a str, &'a NamedPolicy, &'a NamedPolicy, &'a Caller, (EvalDecision, Option<PolicySetKind>));
    let cases: Vec<Case<'_>> = vec![
        ("trust names the user: no identity permission needed", &direct, &may_not, &me, (Allowed, None)),
        (
            "trust names the account: identity permission needed",
            &account,
            &may_not,
            &me,
            (ImplicitDeny, Some(Identity)),
        ),
        ("trust names the account and identity allows", &account, &may_assume, &me, (Allowed, None)),
        ("wildcard trust needs identity permission", &wildcard, &may_not, &me, (ImplicitDeny, Some(Identity))),
        ("wildcard trust with identity permission", &wildcard, &may_assume, &me, (Allowed, None)),
        ("trust names someone else", &service, &may_assume, &me, (ImplicitDeny, Some(Trust))),
        ("service principal needs no identity policy", &service, &may_not, &eks, (Allowed, None)),
        ("service not named", &direct, &may_not, &eks, (ImplicitDeny, Some(Trust))),
        ("identity deny wins over direct trust", &direct, &deny_assume, &me, (ExplicitDeny, Some(Identity))),
        ("cross-account direct trust still needs identity", &cross, &may_not, &mallory, (ImplicitDeny, Some(Identity))),
        ("cross-account with both", &cross, &may_assume, &mallory, (Allowed, None)),
    ];
    for (name, trust, identity, caller, expected) in cases {
        let sets = PolicySets {
            identity: vec![identity],
            resource: Some(ResourcePolicy { policy: trust, owner_account: ACCT }),
            ..PolicySets::default()
        };
        let request = Request::new("sts:AssumeRole", ROLE, &ctx).with_caller(caller);
        check(name, &request, &sets, expected);
    }
}

#[test]
fn resource_policies_can_grant_within_the_account() {
    let bucket = "arn:aws:s3:::shared/report";
    let public = named(
        "bucket",
        PolicyKind::Resource,
        PolicySource::Resource { arn: bucket.into() },
        &doc(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"{bucket}"}}"#)),
    );
    let to_account = named(
        "bucket",
        PolicyKind::Resource,
        PolicySource::Resource { arn: bucket.into() },
        &doc(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{ACCT}"}},"Action":"s3:GetObject","Resource":"{bucket}"}}"#
        )),
    );
    let deny_alice = named(
        "bucket",
        PolicyKind::Resource,
        PolicySource::Resource { arn: bucket.into() },
        &doc(&format!(r#"{{"Effect":"Deny","Principal":{{"AWS":"{ALICE}"}},"Action":"s3:*","Resource":"*"}}"#)),
    );
    let reader = inline("reader", &doc(&allow("s3:GetObject", "*")));
    let ctx = Context::new();
    let me = alice();
    let mallory = Caller::user(OTHER, "arn:aws:iam::111111111111:user/mallory", None);
    type Case<'a> = (&'a str, &'a NamedPolicy, Vec<&'a NamedPolicy>, &'a Caller, (EvalDecision, Option<PolicySetKind>));
    let cases: Vec<Case<'_>> = vec![
        ("public grant needs no identity policy", &public, vec![], &me, (Allowed, None)),
        ("account grant defers to identity", &to_account, vec![], &me, (ImplicitDeny, Some(Identity))),
        ("account grant with identity", &to_account, vec![&reader], &me, (Allowed, None)),
        ("resource deny", &deny_alice, vec![&reader], &me, (ExplicitDeny, Some(Resource))),
        ("cross account without grant", &to_account, vec![&reader], &mallory, (ImplicitDeny, Some(Resource))),
        ("cross account public needs identity", &public, vec![], &mallory, (ImplicitDeny, Some(Identity))),
    ];
    for (name, policy, identity, caller, expected) in cases {
        let sets = PolicySets {
            identity,
            resource: Some(ResourcePolicy { policy, owner_account: ACCT }),
            ..PolicySets::default()
        };
        let request = Request::new("s3:GetObject", bucket, &ctx).with_caller(caller);
        check(name, &request, &sets, expected);
    }
}
