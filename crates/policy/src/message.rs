//! AccessDenied message texts, byte for byte (reference `iam-sts.md` §10.8).
//!
//! The general form is `User: {principalArn} is not authorized to perform: {action} on resource:
//! {resource} {reason}`, where the principal ARN is the caller ARN of `GetCallerIdentity` (the
//! session ARN for roles). AWS names one policy type only: the set recorded in
//! [`Decision::denied_by`]. Since about January 2026 an explicit deny by a managed policy also
//! names that policy's ARN; no suffix has been seen for inline policies or implicit denies, so
//! none is emitted (unconfirmed).

use crate::eval::{Decision, EvalDecision, PolicySetKind};

/// The AccessDenied message for a denied `decision`.
///
/// An empty `resource` leaves out the `on resource:` part, as for actions whose service prints
/// no resource. For an allowed decision the message has no reason (and should not be sent).
pub fn access_denied_message(principal_arn: &str, action: &str, resource: &str, decision: &Decision) -> String {
    let mut out = access_denied_message_plain(principal_arn, action, resource);
    let set = decision.denied_by.unwrap_or(PolicySetKind::Identity);
    match decision.effect {
        EvalDecision::Allowed => {}
        EvalDecision::ImplicitDeny => {
            let policy = match set {
                PolicySetKind::Identity => "identity-based policy",
                PolicySetKind::Boundary => "permissions boundary",
                PolicySetKind::Session => "session policy",
                PolicySetKind::Resource => "resource-based policy",
                PolicySetKind::Trust => "role trust policy",
            };
            out.push_str(&format!(" because no {policy} allows the {action} action"));
        }
        EvalDecision::ExplicitDeny => {
            let (policy, names_arn) = match set {
                PolicySetKind::Identity => ("an identity-based policy", true),
                PolicySetKind::Boundary => ("a permissions boundary", true),
                // Sic: AWS writes "sessions policy".
                PolicySetKind::Session => ("a sessions policy", false),
                PolicySetKind::Resource => ("a resource-based policy", false),
                PolicySetKind::Trust => ("the role trust policy", false),
            };
            out.push_str(" with an explicit deny in ");
            out.push_str(policy);
            let arn = decision.denying_statement().and_then(|m| m.source.managed_arn()).filter(|_| names_arn);
            if let Some(arn) = arn {
                out.push_str(": ");
                out.push_str(arn);
            }
        }
    }
    out
}

/// The reason-less form `User: {arn} is not authorized to perform: {action} on resource:
/// {resource}`: what AssumeRole returns for a missing trust, a missing identity permission and a
/// missing role alike (§5.5), and the older form still in the documentation.
pub fn access_denied_message_plain(principal_arn: &str, action: &str, resource: &str) -> String {
    let mut out = format!("User: {principal_arn} is not authorized to perform: {action}");
    if !resource.is_empty() {
        out.push_str(" on resource: ");
        out.push_str(resource);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{MatchedStatement, PolicySource};
    use crate::json::Position;
    use crate::policy::Effect;

    const USER: &str = "arn:aws:iam::123456789012:user/alice";
    const SESSION: &str = "arn:aws:sts::792981815698:assumed-role/eks-role/botocore-session-1768872094";
    const CLUSTER: &str = "arn:aws:eks:us-east-2:792981815698:cluster/my-eks-cluster-example-1-trNUw3H4";

    fn decision(effect: EvalDecision, set: Option<PolicySetKind>, source: PolicySource) -> Decision {
        let deny = MatchedStatement {
            set: set.unwrap_or(PolicySetKind::Identity),
            policy_name: "p".into(),
            source,
            sid: None,
            index: 0,
            effect: Effect::Deny,
            start: Position::default(),
            end: Position::default(),
        };
        Decision {
            effect,
            denied_by: set,
            root: false,
            matched: vec![deny],
            missing_context: Vec::new(),
            boundary_allowed: None,
            resource_grant: None,
        }
    }

    fn check(principal: &str, action: &str, resource: &str, d: &Decision, expected: &str) {
        assert_eq!(access_denied_message(principal, action, resource, d), expected);
    }

    #[test]
    fn access_denied_texts_match_aws_byte_for_byte() {
        use EvalDecision::*;
        use PolicySetKind::*;
        let inline = PolicySource::Supplied;
        let managed =
            PolicySource::Managed { arn: "arn:aws:iam::765656213018:policy/costagas-base".into(), aws_managed: false };
        let aws_managed = PolicySource::Managed {
            arn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3".into(),
            aws_managed: true,
        };
        let boundary =
            PolicySource::Managed { arn: "arn:aws:iam::123456789012:policy/boundary".into(), aws_managed: false };
        let cases: Vec<(&str, &str, &str, Decision, String)> = vec![
            (SESSION, "eks:DescribeCluster", CLUSTER, decision(ImplicitDeny, Some(Identity), inline.clone()),
                format!("User: {SESSION} is not authorized to perform: eks:DescribeCluster on resource: {CLUSTER} because no identity-based policy allows the eks:DescribeCluster action")),
            (USER, "iam:ListUsers", "arn:aws:iam::123456789012:user/", decision(ExplicitDeny, Some(Identity), inline.clone()),
                format!("User: {USER} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ with an explicit deny in an identity-based policy")),
            (USER, "iam:ListUsers", "arn:aws:iam::123456789012:user/", decision(ExplicitDeny, Some(Identity), managed),
                format!("User: {USER} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ with an explicit deny in an identity-based policy: arn:aws:iam::765656213018:policy/costagas-base")),
            (USER, "eks:ListClusters", "arn:aws:eks:us-east-1:123456789012:cluster/*", decision(ExplicitDeny, Some(Identity), aws_managed),
                format!("User: {USER} is not authorized to perform: eks:ListClusters on resource: arn:aws:eks:us-east-1:123456789012:cluster/* with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3")),
            (USER, "eks:DescribeCluster", "arn:aws:eks:us-east-1:123456789012:cluster/demo", decision(ImplicitDeny, Some(Boundary), boundary.clone()),
                format!("User: {USER} is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-east-1:123456789012:cluster/demo because no permissions boundary allows the eks:DescribeCluster action")),
            (USER, "eks:DescribeCluster", "arn:aws:eks:us-east-1:123456789012:cluster/demo", decision(ExplicitDeny, Some(Boundary), boundary),
                format!("User: {USER} is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-east-1:123456789012:cluster/demo with an explicit deny in a permissions boundary: arn:aws:iam::123456789012:policy/boundary")),
            (SESSION, "eks:DescribeCluster", CLUSTER, decision(ImplicitDeny, Some(Session), inline.clone()),
                format!("User: {SESSION} is not authorized to perform: eks:DescribeCluster on resource: {CLUSTER} because no session policy allows the eks:DescribeCluster action")),
            (SESSION, "eks:DescribeCluster", CLUSTER, decision(ExplicitDeny, Some(Session), inline.clone()),
                format!("User: {SESSION} is not authorized to perform: eks:DescribeCluster on resource: {CLUSTER} with an explicit deny in a sessions policy")),
            (USER, "s3:GetObject", "arn:aws:s3:::b/k", decision(ImplicitDeny, Some(Resource), inline.clone()),
                format!("User: {USER} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no resource-based policy allows the s3:GetObject action")),
            (USER, "s3:GetObject", "arn:aws:s3:::b/k", decision(ExplicitDeny, Some(Resource), inline.clone()),
                format!("User: {USER} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a resource-based policy")),
            (USER, "sts:AssumeRole", "", decision(ImplicitDeny, Some(Trust), inline.clone()),
                format!("User: {USER} is not authorized to perform: sts:AssumeRole because no role trust policy allows the sts:AssumeRole action")),
            (USER, "sts:AssumeRole", "", decision(ExplicitDeny, Some(Trust), inline.clone()),
                format!("User: {USER} is not authorized to perform: sts:AssumeRole with an explicit deny in the role trust policy")),
            (USER, "ec2:DescribeInstances", "", decision(ImplicitDeny, Some(Identity), inline),
                format!("User: {USER} is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action")),
        ];
        for (principal, action, resource, d, expected) in cases {
            check(principal, action, resource, &d, &expected);
        }
    }

    #[test]
    fn plain_form_is_what_assume_role_returns() {
        assert_eq!(
            access_denied_message_plain(
                "arn:aws:iam::123456789012:user/kaveh",
                "sts:AssumeRole",
                "arn:aws:iam::123456789012:role/amputate"
            ),
            "User: arn:aws:iam::123456789012:user/kaveh is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/amputate"
        );
    }
}
