//! The catalog of served resources: one row per group/version/resource with what discovery
//! advertises (scope, verbs, shortNames, categories, subresources; kube-apiserver.md §8.6) and
//! what storage needs to know (generation, create-on-update, status subresource).
//!
//! **Architecture Invariant:** discovery, OpenAPI, routing and tables read this one table, so a
//! resource kubectl can name is one the server stores, and the other way round.

/// The eight storage verbs (`V8` of kube-apiserver.md §5).
pub(crate) const V8: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const NS_VERBS: &[&str] = &["create", "delete", "get", "list", "patch", "update", "watch"];
const CREATE: &[&str] = &["create"];
const GET_LIST: &[&str] = &["get", "list"];
const GPU: &[&str] = &["get", "patch", "update"];
const CG: &[&str] = &["create", "get"];

/// How a resource is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Serving {
    /// Objects kept in the store.
    Stored,
    /// Create-only virtual reviews (kube-apiserver.md §7); nothing is stored.
    Review,
    /// Advertised, with no storage behind it (`bindings`).
    Virtual,
}

/// A subresource row.
#[derive(Debug)]
pub(crate) struct SubDef {
    pub name: &'static str,
    pub verbs: &'static [&'static str],
    /// `(group, version, kind)` when it answers another kind (`Scale`, `Eviction`).
    pub kind: Option<(&'static str, &'static str, &'static str)>,
}

/// One served resource.
#[derive(Debug)]
pub(crate) struct ResourceDef {
    pub group: &'static str,
    pub version: &'static str,
    pub resource: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub subresources: &'static [SubDef],
    pub serving: Serving,
    /// `metadata.generation` is kept (starts at 1, bumped on spec changes).
    pub generation: bool,
    /// A PUT of a missing object creates it (`AllowCreateOnUpdate`).
    pub create_on_update: bool,
}

impl ResourceDef {
    /// `apiVersion` of the kind: `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Discovery's `singularName`: the lowercased kind.
    pub fn singular(&self) -> String {
        self.kind.to_ascii_lowercase()
    }

    /// The store segment for the group.
    pub fn group_segment(&self) -> &'static str {
        if self.group.is_empty() {
            "core"
        } else {
            self.group
        }
    }

    /// The subresource row, if served.
    pub fn sub(&self, name: &str) -> Option<&'static SubDef> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// True when main-resource writes keep the stored `status` (kinds with a status subresource).
    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|s| s.name == "status")
    }

    pub fn gr(&self) -> crate::status::GroupResource {
        crate::status::GroupResource::new(self.group, self.resource)
    }
}

const fn sub(name: &'static str, verbs: &'static [&'static str]) -> SubDef {
    SubDef { name, verbs, kind: None }
}

const STATUS: SubDef = sub("status", GPU);
const SCALE: SubDef = SubDef { name: "scale", verbs: GPU, kind: Some(("autoscaling", "v1", "Scale")) };
const ONLY_STATUS: &[SubDef] = &[STATUS];
const SCALABLE: &[SubDef] = &[SCALE, STATUS];

#[allow(clippy::too_many_arguments)]
const fn row(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    verbs: &'static [&'static str],
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    subresources: &'static [SubDef],
) -> ResourceDef {
    ResourceDef {
        group,
        version,
        resource,
        kind,
        namespaced,
        verbs,
        short_names,
        categories,
        subresources,
        serving: Serving::Stored,
        generation: false,
        create_on_update: false,
    }
}

const fn generation(mut r: ResourceDef) -> ResourceDef {
    r.generation = true;
    r
}

const fn upsert(mut r: ResourceDef) -> ResourceDef {
    r.create_on_update = true;
    r
}

const fn serving(mut r: ResourceDef, s: Serving) -> ResourceDef {
    r.serving = s;
    r
}

const ALL: &[&str] = &["all"];
const EXT: &[&str] = &["api-extensions"];
const NONE: &[&str] = &[];
const NO_SUBS: &[SubDef] = &[];
const RBAC: &str = "rbac.authorization.k8s.io";

/// Every served resource, in discovery order (core first, then groups as kube-apiserver lists them).
pub(crate) static RESOURCES: &[ResourceDef] = &[
    serving(row("", "v1", "bindings", "Binding", true, CREATE, NONE, NONE, NO_SUBS), Serving::Virtual),
    serving(
        row("", "v1", "componentstatuses", "ComponentStatus", false, GET_LIST, &["cs"], NONE, NO_SUBS),
        Serving::Stored,
    ),
    row("", "v1", "configmaps", "ConfigMap", true, V8, &["cm"], NONE, NO_SUBS),
    upsert(row("", "v1", "endpoints", "Endpoints", true, V8, &["ep"], NONE, NO_SUBS)),
    upsert(row("", "v1", "events", "Event", true, V8, &["ev"], NONE, NO_SUBS)),
    row("", "v1", "limitranges", "LimitRange", true, V8, &["limits"], NONE, NO_SUBS),
    row("", "v1", "namespaces", "Namespace", false, NS_VERBS, &["ns"], NONE, &[sub("finalize", &["update"]), STATUS]),
    row(
        "",
        "v1",
        "nodes",
        "Node",
        false,
        V8,
        &["no"],
        NONE,
        &[sub("proxy", &["create", "delete", "get", "patch", "update"]), STATUS],
    ),
    row("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, V8, &["pvc"], NONE, ONLY_STATUS),
    row("", "v1", "persistentvolumes", "PersistentVolume", false, V8, &["pv"], NONE, ONLY_STATUS),
    row(
        "",
        "v1",
        "pods",
        "Pod",
        true,
        V8,
        &["po"],
        ALL,
        &[
            sub("attach", CG),
            sub("binding", CREATE),
            sub("ephemeralcontainers", GPU),
            SubDef { name: "eviction", verbs: CREATE, kind: Some(("policy", "v1", "Eviction")) },
            sub("exec", CG),
            sub("log", &["get"]),
            sub("portforward", CG),
            sub("proxy", &["create", "delete", "get", "patch", "update"]),
            STATUS,
        ],
    ),
    row("", "v1", "podtemplates", "PodTemplate", true, V8, NONE, NONE, NO_SUBS),
    generation(row("", "v1", "replicationcontrollers", "ReplicationController", true, V8, &["rc"], ALL, SCALABLE)),
    row("", "v1", "resourcequotas", "ResourceQuota", true, V8, &["quota"], NONE, ONLY_STATUS),
    row("", "v1", "secrets", "Secret", true, V8, NONE, NONE, NO_SUBS),
    row(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        V8,
        &["sa"],
        NONE,
        &[SubDef { name: "token", verbs: CREATE, kind: Some(("authentication.k8s.io", "v1", "TokenRequest")) }],
    ),
    row(
        "",
        "v1",
        "services",
        "Service",
        true,
        V8,
        &["svc"],
        ALL,
        &[sub("proxy", &["create", "delete", "get", "patch", "update"]), STATUS],
    ),
    // apps/v1
    generation(row("apps", "v1", "controllerrevisions", "ControllerRevision", true, V8, NONE, NONE, NO_SUBS)),
    generation(row("apps", "v1", "daemonsets", "DaemonSet", true, V8, &["ds"], ALL, ONLY_STATUS)),
    generation(row("apps", "v1", "deployments", "Deployment", true, V8, &["deploy"], ALL, SCALABLE)),
    generation(row("apps", "v1", "replicasets", "ReplicaSet", true, V8, &["rs"], ALL, SCALABLE)),
    generation(row("apps", "v1", "statefulsets", "StatefulSet", true, V8, &["sts"], ALL, SCALABLE)),
    // events.k8s.io/v1
    upsert(row("events.k8s.io", "v1", "events", "Event", true, V8, &["ev"], NONE, NO_SUBS)),
    // authentication.k8s.io/v1
    serving(
        row(
            "authentication.k8s.io",
            "v1",
            "selfsubjectreviews",
            "SelfSubjectReview",
            false,
            CREATE,
            NONE,
            NONE,
            NO_SUBS,
        ),
        Serving::Review,
    ),
    serving(
        row("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false, CREATE, NONE, NONE, NO_SUBS),
        Serving::Review,
    ),
    // authorization.k8s.io/v1
    serving(
        row(
            "authorization.k8s.io",
            "v1",
            "localsubjectaccessreviews",
            "LocalSubjectAccessReview",
            true,
            CREATE,
            NONE,
            NONE,
            NO_SUBS,
        ),
        Serving::Review,
    ),
    serving(
        row(
            "authorization.k8s.io",
            "v1",
            "selfsubjectaccessreviews",
            "SelfSubjectAccessReview",
            false,
            CREATE,
            NONE,
            NONE,
            NO_SUBS,
        ),
        Serving::Review,
    ),
    serving(
        row(
            "authorization.k8s.io",
            "v1",
            "selfsubjectrulesreviews",
            "SelfSubjectRulesReview",
            false,
            CREATE,
            NONE,
            NONE,
            NO_SUBS,
        ),
        Serving::Review,
    ),
    serving(
        row(
            "authorization.k8s.io",
            "v1",
            "subjectaccessreviews",
            "SubjectAccessReview",
            false,
            CREATE,
            NONE,
            NONE,
            NO_SUBS,
        ),
        Serving::Review,
    ),
    // autoscaling/v2
    generation(row(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        V8,
        &["hpa"],
        ALL,
        ONLY_STATUS,
    )),
    // batch/v1
    generation(row("batch", "v1", "cronjobs", "CronJob", true, V8, &["cj"], ALL, ONLY_STATUS)),
    generation(row("batch", "v1", "jobs", "Job", true, V8, NONE, ALL, ONLY_STATUS)),
    // certificates.k8s.io/v1
    row(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
        V8,
        &["csr"],
        NONE,
        &[sub("approval", GPU), STATUS],
    ),
    // networking.k8s.io/v1
    generation(row("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, V8, NONE, NONE, NO_SUBS)),
    generation(row("networking.k8s.io", "v1", "ingresses", "Ingress", true, V8, &["ing"], NONE, ONLY_STATUS)),
    generation(row(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        V8,
        &["netpol"],
        NONE,
        NO_SUBS,
    )),
    // policy/v1
    generation(row(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        V8,
        &["pdb"],
        NONE,
        ONLY_STATUS,
    )),
    // rbac.authorization.k8s.io/v1
    upsert(row(RBAC, "v1", "clusterrolebindings", "ClusterRoleBinding", false, V8, NONE, NONE, NO_SUBS)),
    upsert(row(RBAC, "v1", "clusterroles", "ClusterRole", false, V8, NONE, NONE, NO_SUBS)),
    upsert(row(RBAC, "v1", "rolebindings", "RoleBinding", true, V8, NONE, NONE, NO_SUBS)),
    upsert(row(RBAC, "v1", "roles", "Role", true, V8, NONE, NONE, NO_SUBS)),
    // storage.k8s.io/v1
    row("storage.k8s.io", "v1", "csidrivers", "CSIDriver", false, V8, NONE, NONE, NO_SUBS),
    row("storage.k8s.io", "v1", "csinodes", "CSINode", false, V8, NONE, NONE, NO_SUBS),
    row("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", true, V8, NONE, NONE, NO_SUBS),
    row("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, V8, &["sc"], NONE, NO_SUBS),
    row("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", false, V8, NONE, NONE, ONLY_STATUS),
    // admissionregistration.k8s.io/v1
    generation(row(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        V8,
        NONE,
        EXT,
        NO_SUBS,
    )),
    generation(row(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        V8,
        NONE,
        EXT,
        NO_SUBS,
    )),
    // apiextensions.k8s.io/v1
    generation(row(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        V8,
        &["crd", "crds"],
        EXT,
        ONLY_STATUS,
    )),
    // scheduling.k8s.io/v1
    row("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, V8, &["pc"], NONE, NO_SUBS),
    // coordination.k8s.io/v1
    upsert(row("coordination.k8s.io", "v1", "leases", "Lease", true, V8, NONE, NONE, NO_SUBS)),
    // node.k8s.io/v1
    row("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", false, V8, NONE, NONE, NO_SUBS),
    // discovery.k8s.io/v1
    row("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, V8, NONE, NONE, NO_SUBS),
];

/// The resource served at `group/version/resource`.
pub(crate) fn find(group: &str, version: &str, resource: &str) -> Option<&'static ResourceDef> {
    RESOURCES.iter().find(|r| r.group == group && r.version == version && r.resource == resource)
}

/// The resource of a kind named by `apiVersion` and `kind` (seed objects, create bodies).
pub(crate) fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceDef> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind && r.serving != Serving::Virtual)
}

/// Served groups in discovery order, each with its one version.
pub(crate) fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !out.iter().any(|(g, _)| *g == r.group) {
            out.push((r.group, r.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_as_kubectl_expects() {
        for (res, short) in [
            ("configmaps", "cm"),
            ("services", "svc"),
            ("nodes", "no"),
            ("namespaces", "ns"),
            ("serviceaccounts", "sa"),
            ("pods", "po"),
            ("endpoints", "ep"),
            ("events", "ev"),
            ("persistentvolumeclaims", "pvc"),
        ] {
            let r = find("", "v1", res).expect(res);
            assert!(r.short_names.contains(&short), "{res}");
        }
        assert_eq!(find("apps", "v1", "deployments").map(|r| r.short_names), Some(&["deploy"][..]));
    }

    #[test]
    fn scopes_and_singulars() {
        let ns = find("", "v1", "namespaces").expect("ns");
        assert!(!ns.namespaced);
        assert!(!ns.verbs.contains(&"deletecollection"));
        assert_eq!(find("", "v1", "endpoints").map(|r| r.singular()), Some("endpoints".into()));
        assert_eq!(by_kind("rbac.authorization.k8s.io/v1", "ClusterRole").map(|r| r.resource), Some("clusterroles"));
        assert!(find("authorization.k8s.io", "v1", "localsubjectaccessreviews").is_some_and(|r| r.namespaced));
    }

    #[test]
    fn unique_rows() {
        for (i, a) in RESOURCES.iter().enumerate() {
            for b in &RESOURCES[i + 1..] {
                assert!(!(a.group == b.group && a.resource == b.resource), "{} twice", a.resource);
            }
        }
    }
}
