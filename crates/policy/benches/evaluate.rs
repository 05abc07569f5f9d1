//! One evaluation against 10 identity policies of 10 statements each (issue 4's figure),
//! plus parsing one such policy. Run: `cargo bench -p eksim-policy`.

#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use eksim_policy::{evaluate, parse, Context, NamedPolicy, OwnerKind, PolicyKind, PolicySets, PolicySource, Request};
use std::hint::black_box;

/// A realistic policy: wildcard actions, ARN patterns, conditions; only the last policy's
/// last statement allows the benchmarked request, so every statement is examined.
fn policy_text(p: usize) -> String {
    let mut statements = Vec::new();
    for s in 0..10 {
        let allow_target = p == 9 && s == 9;
        let action = if allow_target { "eks:Describe*".to_owned() } else { format!("svc{p}:Action{s}*") };
        let resource = if allow_target {
            "arn:aws:eks:*:123456789012:cluster/*".to_owned()
        } else {
            format!("arn:aws:svc{p}:us-east-1:123456789012:thing/{s}/*")
        };
        statements.push(format!(
            r#"{{"Sid":"S{p}x{s}","Effect":"Allow","Action":["{action}","other:Get?"],"Resource":"{resource}","Condition":{{"StringLike":{{"aws:PrincipalTag/team":["plat*","infra"]}},"BoolIfExists":{{"aws:MultiFactorAuthPresent":"true"}}}}}}"#
        ));
    }
    format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","))
}

fn bench(c: &mut Criterion) {
    let policies: Vec<NamedPolicy> = (0..10)
        .map(|p| {
            let source = PolicySource::Inline { owner: OwnerKind::User, owner_name: "alice".into() };
            NamedPolicy::new(format!("p{p}"), source, parse(&policy_text(p), PolicyKind::Identity).unwrap())
        })
        .collect();
    let sets = PolicySets { identity: policies.iter().collect(), ..PolicySets::default() };
    let ctx = Context::new()
        .with("aws:PrincipalTag/team", "platform")
        .with("aws:username", "alice")
        .with("aws:MultiFactorAuthPresent", "true");
    let cluster = "arn:aws:eks:us-east-1:123456789012:cluster/prod";
    assert!(evaluate(&Request::new("eks:DescribeCluster", cluster, &ctx), &sets).is_allowed());
    c.bench_function("evaluate 10 policies x 10 statements (allowed by the last)", |b| {
        b.iter(|| evaluate(black_box(&Request::new("eks:DescribeCluster", cluster, &ctx)), black_box(&sets)))
    });
    c.bench_function("evaluate 10 policies x 10 statements (implicit deny)", |b| {
        b.iter(|| evaluate(black_box(&Request::new("eks:DeleteCluster", cluster, &ctx)), black_box(&sets)))
    });
    let text = policy_text(3);
    c.bench_function("parse one 10-statement policy", |b| b.iter(|| parse(black_box(&text), PolicyKind::Identity)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
