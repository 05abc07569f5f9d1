//! The EKS access policy catalogue and the Kubernetes RBAC rules each policy grants
//! (eks-api.md §4).
//!
//! Access policies are AWS-owned, allow-only and immutable: this module is data. The
//! catalogue is what `aws eks list-access-policies` answered in 2026 (33 policies, ASCII
//! order) plus `AmazonEKSClusterInsightsPolicy`, which is documented but not listed. The
//! rules are the EKS User Guide's; policies whose rules AWS does not publish carry none (they
//! grant nothing in eksim) and a prose [`AccessPolicy::note`] of what AWS says they are for,
//! so `eksim explain` can say why a request they would allow is refused.

/// One Kubernetes RBAC `PolicyRule`, as in a ClusterRole. `""` is the core API group; `"*"`
/// in any list matches everything; a resource `"*/scale"` matches the `scale` subresource of
/// any resource; a non-resource URL ending in `*` matches by prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyRule {
    /// API groups (`""` = core).
    pub api_groups: &'static [&'static str],
    /// Resources, with subresources as `pods/log`.
    pub resources: &'static [&'static str],
    /// Verbs (`get`, `list`, …, or `*`).
    pub verbs: &'static [&'static str],
    /// Non-resource URLs (`/healthz`, `*`); a rule has either resources or these.
    pub non_resource_urls: &'static [&'static str],
}

impl PolicyRule {
    /// True when this rule allows `verb` on `resource` (`pods` or `pods/log`) of `api_group`,
    /// with Kubernetes RBAC's matching (`rbac/v1` `ResourceMatches`).
    pub fn allows(&self, api_group: &str, resource: &str, verb: &str) -> bool {
        let verb_ok = self.verbs.iter().any(|v| *v == "*" || *v == verb);
        let group_ok = self.api_groups.iter().any(|g| *g == "*" || *g == api_group);
        let subresource = resource.split_once('/').map(|(_, sub)| sub);
        let resource_ok = self.resources.iter().any(|r| {
            *r == "*"
                || *r == resource
                || subresource.is_some_and(|sub| r.strip_prefix("*/").is_some_and(|rs| rs == sub))
        });
        verb_ok && group_ok && resource_ok
    }

    /// True when this rule allows `verb` on the non-resource URL `path` (`/healthz`).
    pub fn allows_non_resource(&self, path: &str, verb: &str) -> bool {
        let verb_ok = self.verbs.iter().any(|v| *v == "*" || *v == verb);
        verb_ok
            && self
                .non_resource_urls
                .iter()
                .any(|u| *u == "*" || *u == path || u.strip_suffix('*').is_some_and(|prefix| path.starts_with(prefix)))
    }
}

/// An access policy of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessPolicy {
    /// The policy name, e.g. `AmazonEKSViewPolicy`.
    pub name: &'static str,
    /// `arn:aws:eks::aws:cluster-access-policy/NAME` (no region, account `aws`).
    pub arn: &'static str,
    /// True for policies EKS reserves for its service-linked roles (Auto Mode, hybrid nodes,
    /// cluster insights): AssociateAccessPolicy refuses them on customer entries.
    pub service_linked_only: bool,
    /// True when `aws eks list-access-policies` lists it (all but ClusterInsights).
    pub listed: bool,
    /// True when AWS publishes the policy's rules; false means `rules` is empty on purpose.
    pub rules_published: bool,
    /// What AWS says the policy is for (the only description of unpublished ones).
    pub note: &'static str,
    /// The rules, as slices concatenated in order (Edit = View + its own, Admin = Edit + its own).
    parts: &'static [&'static [PolicyRule]],
}

impl AccessPolicy {
    /// Every rule the policy grants.
    pub fn rules(&self) -> impl Iterator<Item = &'static PolicyRule> {
        self.parts.iter().flat_map(|p| p.iter())
    }
}

/// The ARN prefix of every access policy.
pub const ARN_PREFIX: &str = "arn:aws:eks::aws:cluster-access-policy/";

const GLW: &[&str] = &["get", "list", "watch"];
const W: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const NONE: &[&str] = &[];

const fn rule(
    api_groups: &'static [&'static str],
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
) -> PolicyRule {
    PolicyRule { api_groups, resources, verbs, non_resource_urls: NONE }
}

static CLUSTER_ADMIN: &[PolicyRule] = &[
    rule(&["*"], &["*"], &["*"]),
    PolicyRule { api_groups: NONE, resources: NONE, verbs: &["*"], non_resource_urls: &["*"] },
];

static ADMIN_VIEW: &[PolicyRule] = &[rule(&["*"], &["*"], GLW)];

static VIEW: &[PolicyRule] = &[
    rule(
        &["apps"],
        &[
            "controllerrevisions",
            "daemonsets",
            "daemonsets/status",
            "deployments",
            "deployments/scale",
            "deployments/status",
            "replicasets",
            "replicasets/scale",
            "replicasets/status",
            "statefulsets",
            "statefulsets/scale",
            "statefulsets/status",
        ],
        GLW,
    ),
    rule(&["autoscaling"], &["horizontalpodautoscalers", "horizontalpodautoscalers/status"], GLW),
    rule(&["batch"], &["cronjobs", "cronjobs/status", "jobs", "jobs/status"], GLW),
    rule(&["discovery.k8s.io"], &["endpointslices"], GLW),
    rule(
        &["extensions"],
        &[
            "daemonsets",
            "daemonsets/status",
            "deployments",
            "deployments/scale",
            "deployments/status",
            "ingresses",
            "ingresses/status",
            "networkpolicies",
            "replicasets",
            "replicasets/scale",
            "replicasets/status",
            "replicationcontrollers/scale",
        ],
        GLW,
    ),
    rule(&["networking.k8s.io"], &["ingresses", "ingresses/status", "networkpolicies"], GLW),
    rule(&["policy"], &["poddisruptionbudgets", "poddisruptionbudgets/status"], GLW),
    rule(
        &[""],
        &[
            "configmaps",
            "endpoints",
            "persistentvolumeclaims",
            "persistentvolumeclaims/status",
            "pods",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "serviceaccounts",
            "services",
            "services/status",
        ],
        GLW,
    ),
    rule(
        &[""],
        &[
            "bindings",
            "events",
            "limitranges",
            "namespaces/status",
            "pods/log",
            "pods/status",
            "replicationcontrollers/status",
            "resourcequotas",
            "resourcequotas/status",
        ],
        GLW,
    ),
    rule(&[""], &["namespaces"], GLW),
];

static EDIT: &[PolicyRule] = &[
    rule(
        &["apps"],
        &[
            "daemonsets",
            "deployments",
            "deployments/rollback",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
        W,
    ),
    rule(&["autoscaling"], &["horizontalpodautoscalers"], W),
    rule(&["batch"], &["cronjobs", "jobs"], W),
    rule(
        &["extensions"],
        &[
            "daemonsets",
            "deployments",
            "deployments/rollback",
            "deployments/scale",
            "ingresses",
            "networkpolicies",
            "replicasets",
            "replicasets/scale",
            "replicationcontrollers/scale",
        ],
        W,
    ),
    rule(&["networking.k8s.io"], &["ingresses", "networkpolicies"], W),
    rule(&["policy"], &["poddisruptionbudgets"], W),
    rule(&[""], &["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], GLW),
    rule(&[""], &["serviceaccounts"], &["impersonate"]),
    rule(&[""], &["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], W),
    rule(
        &[""],
        &[
            "configmaps",
            "events",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "secrets",
            "serviceaccounts",
            "services",
            "services/proxy",
        ],
        W,
    ),
];

static ADMIN: &[PolicyRule] = &[
    rule(&["authorization.k8s.io"], &["localsubjectaccessreviews"], &["create"]),
    rule(
        &["rbac.authorization.k8s.io"],
        &["rolebindings", "roles"],
        &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    ),
];

static SECRET_READER: &[PolicyRule] = &[rule(&[""], &["secrets"], GLW)];

static HYBRID: &[PolicyRule] = &[rule(&["*"], &["nodes"], &["list"])];

static ARC_REGION_SWITCH: &[PolicyRule] = &[
    rule(&["*"], &["*/scale"], &["get", "update"]),
    rule(&["*"], &["*/status"], &["get"]),
    rule(&["autoscaling"], &["horizontalpodautoscalers"], &["get", "patch"]),
];

/// An entry with published rules.
macro_rules! published {
    ($name:literal, $slr:expr, $note:literal, $parts:expr) => {
        AccessPolicy {
            name: $name,
            arn: concat!("arn:aws:eks::aws:cluster-access-policy/", $name),
            service_linked_only: $slr,
            listed: true,
            rules_published: true,
            note: $note,
            parts: $parts,
        }
    };
}

/// An entry whose rules AWS describes only in prose: it grants nothing in eksim.
macro_rules! prose {
    ($name:literal, $slr:expr, $note:literal) => {
        AccessPolicy {
            name: $name,
            arn: concat!("arn:aws:eks::aws:cluster-access-policy/", $name),
            service_linked_only: $slr,
            listed: true,
            rules_published: false,
            note: $note,
            parts: &[],
        }
    };
}

/// The catalogue, ASCII-sorted by name.
static CATALOGUE: &[AccessPolicy] = &[
    prose!("AIDevOpsAgentAccessPolicy", false, "Read access for the AWS DevOps agent (rules not published)."),
    prose!("AmazonAIOpsAssistantPolicy", false, "Read access for Amazon Q / AIOps investigations (rules not published)."),
    published!(
        "AmazonARCRegionSwitchScalingPolicy",
        false,
        "Lets ARC Region switch read and scale workloads.",
        &[ARC_REGION_SWITCH]
    ),
    prose!("AmazonEKSACKPolicy", false, "Permissions of the EKS capability for ACK controllers (rules not published)."),
    published!("AmazonEKSAdminPolicy", false, "Like Kubernetes `admin`: Edit plus Roles and RoleBindings.", &[VIEW, EDIT, ADMIN]),
    published!("AmazonEKSAdminViewPolicy", false, "Read everything, Secrets included.", &[ADMIN_VIEW]),
    prose!(
        "AmazonEKSArgoCDClusterPolicy",
        false,
        "Namespaces, Argo CD CRDs and API discovery for the Argo CD capability; not cluster-wide read (rules not published)."
    ),
    prose!("AmazonEKSArgoCDPolicy", false, "Argo CD capability permissions in its namespace (rules not published)."),
    prose!(
        "AmazonEKSAutoNodePolicy",
        false,
        "What EKS Auto Mode nodes need (EC2 access entries); rules not published."
    ),
    prose!(
        "AmazonEKSBlockStorageClusterPolicy",
        true,
        "EKS Auto Mode block storage: coordination.k8s.io leases for leader election and more (service-linked roles only; rules not published)."
    ),
    prose!(
        "AmazonEKSBlockStoragePolicy",
        true,
        "EKS Auto Mode block storage: coordination.k8s.io leases for leader election (service-linked roles only; rules not published)."
    ),
    published!("AmazonEKSClusterAdminPolicy", false, "Like Kubernetes `cluster-admin`: everything.", &[CLUSTER_ADMIN]),
    prose!(
        "AmazonEKSComputeClusterPolicy",
        true,
        "EKS Auto Mode compute: coordination.k8s.io leases for leader election and more (service-linked roles only; rules not published)."
    ),
    prose!(
        "AmazonEKSComputePolicy",
        true,
        "EKS Auto Mode compute: coordination.k8s.io leases for leader election (service-linked roles only; rules not published)."
    ),
    published!("AmazonEKSEditPolicy", false, "Like Kubernetes `edit`: View plus writes to most namespaced resources.", &[VIEW, EDIT]),
    prose!("AmazonEKSEventPolicy", false, "Event access for EKS's service-linked role (rules not published)."),
    published!("AmazonEKSHybridPolicy", true, "Lets EKS list nodes for hybrid nodes (service-linked roles only).", &[HYBRID]),
    prose!("AmazonEKSKROPolicy", false, "Permissions of the EKS capability for kro (rules not published)."),
    prose!(
        "AmazonEKSLoadBalancingClusterPolicy",
        false,
        "EKS Auto Mode load balancing: coordination.k8s.io leases for leader election and more (rules not published)."
    ),
    prose!(
        "AmazonEKSLoadBalancingPolicy",
        false,
        "EKS Auto Mode load balancing: coordination.k8s.io leases for leader election (rules not published)."
    ),
    prose!(
        "AmazonEKSNetworkingClusterPolicy",
        false,
        "EKS Auto Mode networking: coordination.k8s.io leases for leader election and more (rules not published)."
    ),
    prose!(
        "AmazonEKSNetworkingPolicy",
        false,
        "EKS Auto Mode networking: coordination.k8s.io leases for leader election (rules not published)."
    ),
    prose!("AmazonEKSPodIdentityPolicy", false, "What the EKS Pod Identity agent needs (rules not published)."),
    prose!("AmazonEKSSecretAdminPolicy", false, "Manage Secrets (rules not published)."),
    published!("AmazonEKSSecretReaderPolicy", false, "Read Secrets.", &[SECRET_READER]),
    published!("AmazonEKSViewPolicy", false, "Like Kubernetes `view`: read most namespaced resources, not Secrets.", &[VIEW]),
    prose!("AmazonEMRJobPolicy", false, "What EMR on EKS needs to run jobs (rules not published)."),
    prose!("AmazonSagemakerHyperpodClusterPolicy", false, "SageMaker HyperPod cluster access (rules not published)."),
    prose!("AmazonSagemakerHyperpodControllerPolicy", false, "SageMaker HyperPod controllers (rules not published)."),
    prose!("AmazonSagemakerHyperpodSpacePolicy", false, "SageMaker HyperPod spaces (rules not published)."),
    prose!("AmazonSagemakerHyperpodSpaceTemplatePolicy", false, "SageMaker HyperPod space templates (rules not published)."),
    prose!(
        "AmazonSagemakerHyperpodSystemNamespacePolicy",
        false,
        "SageMaker HyperPod system namespaces (rules not published)."
    ),
    prose!("AmazonSagemakerHyperpodUserClusterPolicy", false, "SageMaker HyperPod users (rules not published)."),
];

/// Documented (2024-12-02) but absent from the 2026 list: kept so it is recognised and
/// refused like the other service-linked-role policies.
static CLUSTER_INSIGHTS: AccessPolicy = AccessPolicy {
    name: "AmazonEKSClusterInsightsPolicy",
    arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterInsightsPolicy",
    service_linked_only: true,
    listed: false,
    rules_published: false,
    note: "Cluster insights: read nodes and the kube-proxy DaemonSet (service-linked roles only; rules not published).",
    parts: &[],
};

/// Every known access policy: the listed catalogue in ASCII order, then the unlisted ones.
pub fn all() -> impl Iterator<Item = &'static AccessPolicy> {
    CATALOGUE.iter().chain(std::iter::once(&CLUSTER_INSIGHTS))
}

/// The policies `aws eks list-access-policies` shows, ASCII-sorted by name.
pub fn listed() -> impl Iterator<Item = &'static AccessPolicy> {
    all().filter(|p| p.listed)
}

/// The policy with this exact ARN.
pub fn by_arn(arn: &str) -> Option<&'static AccessPolicy> {
    all().find(|p| p.arn == arn)
}

/// The rules of the policy with this ARN; empty for unknown policies and for those whose
/// rules AWS does not publish.
pub fn rules(arn: &str) -> Vec<&'static PolicyRule> {
    by_arn(arn).map(|p| p.rules().collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW_ARN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
    const EDIT_ARN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";
    const ADMIN_ARN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy";
    const CLUSTER_ADMIN_ARN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

    #[test]
    fn thirty_three_listed_policies_plus_cluster_insights() {
        assert_eq!(listed().count(), 33);
        assert_eq!(all().count(), 34);
        let slr: Vec<&str> = all().filter(|p| p.service_linked_only).map(|p| p.name).collect();
        assert_eq!(
            slr,
            [
                "AmazonEKSBlockStorageClusterPolicy",
                "AmazonEKSBlockStoragePolicy",
                "AmazonEKSComputeClusterPolicy",
                "AmazonEKSComputePolicy",
                "AmazonEKSHybridPolicy",
                "AmazonEKSClusterInsightsPolicy",
            ]
        );
        assert!(!by_arn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterInsightsPolicy").unwrap().listed);
    }

    #[test]
    fn listed_policies_are_ascii_sorted_and_arns_follow_the_name() {
        let names: Vec<&str> = listed().map(|p| p.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for p in all() {
            assert_eq!(p.arn, format!("{ARN_PREFIX}{}", p.name));
            assert_eq!(by_arn(p.arn), Some(p));
            assert_eq!(p.rules_published, p.rules().next().is_some(), "{}", p.name);
        }
        assert!(by_arn("arn:aws:eks::aws:cluster-access-policy/NoSuchPolicy").is_none());
    }

    #[test]
    fn cluster_admin_allows_everything() {
        let r = rules(CLUSTER_ADMIN_ARN);
        assert_eq!(r[0].api_groups, ["*"]);
        assert_eq!(r[0].resources, ["*"]);
        assert_eq!(r[0].verbs, ["*"]);
        assert_eq!(r[1].non_resource_urls, ["*"]);
        assert!(r.iter().any(|r| r.allows("rbac.authorization.k8s.io", "clusterroles", "escalate")));
        assert!(r.iter().any(|r| r.allows_non_resource("/metrics", "get")));
    }

    /// Every (group, resource, verb) that some rule names explicitly.
    fn triples(arn: &str) -> Vec<(&'static str, &'static str, &'static str)> {
        let mut out = Vec::new();
        for r in rules(arn) {
            for g in r.api_groups {
                for res in r.resources {
                    for v in r.verbs {
                        out.push((*g, *res, *v));
                    }
                }
            }
        }
        out
    }

    fn includes(bigger: &str, smaller: &str) {
        let big = rules(bigger);
        for (g, res, v) in triples(smaller) {
            assert!(big.iter().any(|r| r.allows(g, res, v)), "{bigger} lacks {v} {g}/{res} of {smaller}");
        }
    }

    #[test]
    fn admin_includes_edit_includes_view() {
        includes(EDIT_ARN, VIEW_ARN);
        includes(ADMIN_ARN, EDIT_ARN);
        includes(ADMIN_ARN, VIEW_ARN);
        includes(CLUSTER_ADMIN_ARN, ADMIN_ARN);
        assert!(triples(EDIT_ARN).len() > triples(VIEW_ARN).len());
        assert!(triples(ADMIN_ARN).len() > triples(EDIT_ARN).len());
    }

    #[test]
    fn view_reads_but_neither_writes_nor_reads_secrets() {
        let view = rules(VIEW_ARN);
        let allowed = |g: &str, res: &str, v: &str| view.iter().any(|r| r.allows(g, res, v));
        assert!(allowed("", "pods", "list"));
        assert!(allowed("apps", "deployments", "watch"));
        assert!(allowed("", "pods/log", "get"));
        assert!(!allowed("", "secrets", "get"));
        assert!(!allowed("", "pods", "create"));
        assert!(!allowed("rbac.authorization.k8s.io", "roles", "list"));
        let edit = rules(EDIT_ARN);
        assert!(edit.iter().any(|r| r.allows("", "secrets", "get")));
        assert!(edit.iter().any(|r| r.allows("", "serviceaccounts", "impersonate")));
        assert!(!edit.iter().any(|r| r.allows("rbac.authorization.k8s.io", "roles", "create")));
        assert!(rules(ADMIN_ARN).iter().any(|r| r.allows("rbac.authorization.k8s.io", "roles", "create")));
    }

    #[test]
    fn subresource_and_url_wildcards_match_like_rbac() {
        let arc = rules("arn:aws:eks::aws:cluster-access-policy/AmazonARCRegionSwitchScalingPolicy");
        assert!(arc.iter().any(|r| r.allows("apps", "deployments/scale", "update")));
        assert!(!arc.iter().any(|r| r.allows("apps", "deployments", "update")));
        assert!(!arc.iter().any(|r| r.allows("apps", "deployments/status", "update")));
        let r = PolicyRule { api_groups: NONE, resources: NONE, verbs: &["get"], non_resource_urls: &["/healthz*"] };
        assert!(r.allows_non_resource("/healthz/ready", "get"));
        assert!(!r.allows_non_resource("/livez", "get"));
        assert!(!r.allows_non_resource("/healthz", "post"));
    }

    #[test]
    fn unpublished_policies_grant_nothing() {
        assert!(rules("arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy").is_empty());
        assert!(rules("arn:aws:eks::aws:cluster-access-policy/Unknown").is_empty());
    }
}
