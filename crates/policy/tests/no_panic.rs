//! Property tests: parsing and evaluation never panic, whatever the input.
//!
//! Policy documents arrive from users (PutUserPolicy, CreateRole, the simulator), and request
//! context values from the wire; both are hostile input. Documents are generated from policy
//! vocabulary so that many of them get past the grammar and reach evaluation.

use eksim_policy::{
    access_denied_message, evaluate, evaluate_trust, parse, Caller, Context, NamedPolicy, PolicyKind, PolicySets,
    PolicySource, Request, ResourcePolicy,
};
use proptest::prelude::*;

const KINDS: [PolicyKind; 6] = [
    PolicyKind::Identity,
    PolicyKind::Managed,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Trust,
    PolicyKind::Resource,
];

/// Words that policies are made of, including awkward ones.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Version",
            "2012-10-17",
            "2008-10-17",
            "Id",
            "Statement",
            "Sid",
            "Effect",
            "Allow",
            "Deny",
            "allow",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
            "AWS",
            "Service",
            "Federated",
            "*",
            "?",
            "eks:*",
            "eks:DescribeCluster",
            "sts:AssumeRole",
            "iam:*AccessKey*",
            "a:b:c",
            "arn:aws:eks:*:*:cluster/*",
            "arn:aws:iam::123456789012:root",
            "123456789012",
            "arn:aws:iam::*:user/${aws:username}",
            "${aws:username, 'x'}",
            "${*}",
            "${",
            "}",
            "arn:aws:s3:::b/${aws:PrincipalTag/t}/*",
            "arn:aws:s3::x",
            "arn:aws",
            "eks.amazonaws.com",
            "StringEquals",
            "StringNotLikeIfExists",
            "ForAnyValue:StringLike",
            "ForAllValues:NumericLessThan",
            "DateGreaterThan",
            "Bool",
            "BoolIfExists",
            "Null",
            "IpAddress",
            "NotIpAddress",
            "ArnLike",
            "BinaryEquals",
            "aws:MultiFactorAuthPresent",
            "aws:SourceIp",
            "aws:CurrentTime",
            "aws:TagKeys",
            "2018-08-16T12:00:00Z",
            "1534420800",
            "10.0.0.0/8",
            "::1/128",
            "aGk=",
            "true",
            "false",
            "",
            "-",
            "é😀",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,12}",
    ]
}

/// A JSON value built from policy words.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        word().prop_map(|w| serde_json::Value::String(w).to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("12".to_string()),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((word(), inner), 0..6).prop_map(|members| {
                let body: Vec<String> =
                    members.into_iter().map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k))).collect();
                format!("{{{}}}", body.join(",\n "))
            }),
        ]
    })
}

/// A context with arbitrary keys and values, single and multivalued.
fn context() -> impl Strategy<Value = Context> {
    prop::collection::vec((word(), prop::collection::vec(word(), 0..3), any::<bool>()), 0..6).prop_map(|entries| {
        let mut ctx = Context::new();
        for (key, values, multi) in entries {
            if multi {
                ctx.insert_multi(key, values);
            } else {
                ctx.insert(key, values.into_iter().next().unwrap_or_default());
            }
        }
        ctx
    })
}

fn exercise(text: &str, action: &str, resource: &str, ctx: &Context) {
    let caller = Caller::role_session(
        "123456789012",
        "arn:aws:iam::123456789012:role/r",
        "arn:aws:sts::123456789012:assumed-role/r/s",
        Some("AROADBQP57FF2AEXAMPLE"),
    );
    for kind in KINDS {
        let Ok(policy) = parse(text, kind) else {
            continue;
        };
        let named = NamedPolicy::new("p", PolicySource::Supplied, policy);
        let sets = match kind {
            PolicyKind::Trust | PolicyKind::Resource => PolicySets {
                resource: Some(ResourcePolicy { policy: &named, owner_account: "123456789012" }),
                ..PolicySets::default()
            },
            PolicyKind::Boundary => {
                PolicySets { identity: vec![&named], boundary: Some(&named), ..PolicySets::default() }
            }
            PolicyKind::Session => {
                PolicySets { identity: vec![&named], session: vec![&named], ..PolicySets::default() }
            }
            _ => PolicySets { identity: vec![&named], ..PolicySets::default() },
        };
        let request = Request::new(action, resource, ctx).with_caller(&caller);
        let decision = evaluate(&request, &sets);
        let _ = access_denied_message(&caller.arn, action, resource, &decision);
        let _ = evaluate_trust(&caller, action, &named, ctx);
        let _ = named.policy.context_keys();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_arbitrary_text_never_panics(text in any::<String>()) {
        for kind in KINDS {
            let _ = parse(&text, kind);
        }
    }

    #[test]
    fn policy_shaped_json_parses_and_evaluates_without_panic(
        text in json_value(),
        action in word(),
        resource in word(),
        ctx in context(),
    ) {
        exercise(&text, &action, &resource, &ctx);
    }

    #[test]
    fn valid_policies_evaluate_arbitrary_requests_without_panic(
        actions in prop::collection::vec(action_pattern(), 1..3),
        resources in prop::collection::vec(resource_pattern(), 1..3),
        (op, values) in operator_and_values(),
        key in word(),
        action in word(),
        resource in word(),
        ctx in context(),
    ) {
        let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
        let list = |l: &[String]| format!("[{}]", l.iter().map(|v| s(v)).collect::<Vec<_>>().join(","));
        let condition = format!("{{{}:{{{}:{}}}}}", s(&op), s(&key), list(&values));
        let identity = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{},"Resource":{},"Condition":{condition}}},{{"Effect":"Deny","NotAction":{},"NotResource":{}}}]}}"#,
            list(&actions), list(&resources), list(&actions), list(&resources),
        );
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{condition}}}]}}"#,
        );
        prop_assert!(parse(&identity, PolicyKind::Identity).is_ok(), "{identity}");
        prop_assert!(parse(&trust, PolicyKind::Trust).is_ok(), "{trust}");
        exercise(&identity, &action, &resource, &ctx);
        exercise(&trust, &action, &resource, &ctx);
    }
}

/// Action patterns that pass validation.
fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![Just("*".to_string()), "[a-z0-9-]{1,6}:[A-Za-z*?]{0,10}",]
}

/// Resource patterns that pass validation.
fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        "arn:aws:(eks|ec2):[a-z0-9*?-]{0,9}:[0-9*]{0,12}:[ -~]{0,20}",
        "arn:aws:s3:::[ -~]{0,20}",
        "arn:aws:iam::[0-9*]{0,12}:(user|role|policy)/[ -~]{0,20}",
    ]
}

/// A condition operator with values it accepts (date operators need readable dates).
fn operator_and_values() -> impl Strategy<Value = (String, Vec<String>)> {
    let qualifier = prop::sample::select(vec!["", "ForAnyValue:", "ForAllValues:"]);
    let suffix = prop::sample::select(vec!["", "IfExists"]);
    let base = prop::sample::select(vec![
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
    ]);
    let date = prop::sample::select(vec![
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
    ]);
    let dates = prop::collection::vec(
        prop_oneof![
            Just("2018-08-16T12:00:00Z".to_string()),
            Just("2016-12-13t2:00:00.593194+23".to_string()),
            "[0-9]{1,18}",
            "[0-9]{4}-(0[1-9]|1[0-2])-[0-2][1-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-]0[0-9]:[0-5][0-9])",
        ],
        0..3,
    );
    prop_oneof![
        (qualifier.clone(), base, suffix.clone(), prop::collection::vec(word(), 0..3))
            .prop_map(|(q, b, s, v)| (format!("{q}{b}{s}"), v)),
        (qualifier, date, suffix, dates).prop_map(|(q, b, s, v)| (format!("{q}{b}{s}"), v)),
        prop::collection::vec(prop::sample::select(vec!["true", "false", "TRUE", "x"]), 0..2)
            .prop_map(|v| ("Null".to_string(), v.into_iter().map(str::to_string).collect())),
    ]
}
