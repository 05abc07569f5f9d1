//! `components.schemas` of the OpenAPI v3 documents: what `kubectl explain` renders and what kubectl
//! reads patch merge keys from. A compact table of the common kinds and the types they reference,
//! under kube-apiserver's schema names; every other served kind gets a schema with only the standard
//! object fields, so each served GVK resolves.
//!
//! Field types are written as a small language: `string`, `integer`, `boolean`, `byte` (base64
//! string), `{}T` (map of T), `[]T` (list of T, `[]T@key` a list merged by `key`), and
//! `group.version.Type` (a `$ref`; `meta.`, `intstr.` and `resource.` names live in apimachinery,
//! the rest in `io.k8s.api.`).

use crate::resources::RESOURCES;
use serde_json::{json, Map, Value};

/// Named scalar types: short name, JSON type (`a|b`: one of them, as kube-apiserver writes
/// IntOrString and Quantity), format, description.
static SCALARS: &[(&str, &str, &str, &str)] = &[
    ("meta.v1.Time", "string", "date-time", "A timestamp in RFC 3339 form, to the second."),
    ("meta.v1.FieldsV1", "object", "", "A set of fields in the structured-merge-diff trie format."),
    ("intstr.IntOrString", "integer|string", "int-or-string", "Either an integer or a string."),
    ("resource.Quantity", "string|number", "", "A decimal amount with an optional suffix, such as 500m, 2Gi or 1e3."),
];

/// One schema: name (short form), GVK when it is a kind, description, required fields, and
/// `(field, type, description)` rows.
struct Def {
    name: &'static str,
    gvk: Option<(&'static str, &'static str, &'static str)>,
    desc: &'static str,
    required: &'static [&'static str],
    fields: &'static [(&'static str, &'static str, &'static str)],
}

const fn kind(
    name: &'static str,
    gvk: (&'static str, &'static str, &'static str),
    desc: &'static str,
    fields: &'static [(&'static str, &'static str, &'static str)],
) -> Def {
    Def { name, gvk: Some(gvk), desc, required: &[], fields }
}

const fn ty(
    name: &'static str,
    desc: &'static str,
    fields: &'static [(&'static str, &'static str, &'static str)],
) -> Def {
    Def { name, gvk: None, desc, required: &[], fields }
}

const fn req(mut d: Def, required: &'static [&'static str]) -> Def {
    d.required = required;
    d
}

const RBAC: &str = "rbac.authorization.k8s.io";
const SPEC_STATUS_NOTE: &str = "Current state, written by the system; read-only for clients.";

static DEFS: &[Def] = &[
    ty(
        "meta.v1.ObjectMeta",
        "Metadata every persisted object carries: identity, labels, annotations and bookkeeping.",
        &[
            ("name", "string", "Name of the object, unique within its namespace (or cluster) for its kind."),
            ("generateName", "string", "Prefix from which the server makes a unique name when name is empty."),
            ("namespace", "string", "Namespace the object lives in; empty for cluster-scoped kinds."),
            ("uid", "string", "Server-assigned identifier, unique over time and space. Read-only."),
            ("resourceVersion", "string", "Opaque version used for optimistic concurrency and watches. Read-only."),
            ("generation", "integer", "Sequence number of the desired state, bumped on spec changes. Read-only."),
            ("creationTimestamp", "meta.v1.Time", "When the object was created. Read-only."),
            ("deletionTimestamp", "meta.v1.Time", "When graceful deletion was requested. Read-only."),
            ("deletionGracePeriodSeconds", "integer", "Seconds granted for graceful termination. Read-only."),
            ("labels", "{}string", "Key/value pairs used to organize and select objects."),
            ("annotations", "{}string", "Key/value pairs of arbitrary, non-identifying metadata."),
            ("ownerReferences", "[]meta.v1.OwnerReference@uid", "Objects this one depends on for garbage collection."),
            ("finalizers", "[]string", "Entries that must be cleared before the object is removed."),
            ("managedFields", "[]meta.v1.ManagedFieldsEntry", "Which field managers own which fields. Internal."),
        ],
    ),
    req(
        ty(
            "meta.v1.OwnerReference",
            "Points at an owning object in the same namespace.",
            &[
                ("apiVersion", "string", "API version of the owner."),
                ("kind", "string", "Kind of the owner."),
                ("name", "string", "Name of the owner."),
                ("uid", "string", "UID of the owner."),
                ("controller", "boolean", "True when the owner is the managing controller."),
                ("blockOwnerDeletion", "boolean", "When true, the owner is not deleted until this object is."),
            ],
        ),
        &["apiVersion", "kind", "name", "uid"],
    ),
    ty(
        "meta.v1.ManagedFieldsEntry",
        "One field manager's ownership record.",
        &[
            ("manager", "string", "Name of the field manager."),
            ("operation", "string", "Apply or Update."),
            ("apiVersion", "string", "Version of the fieldsV1 content."),
            ("meta.v1.Time", "meta.v1.Time", "When the entry last changed."),
            ("fieldsType", "string", "Format of the fields entry; only FieldsV1."),
            ("fieldsV1", "meta.v1.FieldsV1", "The owned field set."),
            ("subresource", "string", "Subresource the change was made through, if any."),
        ],
    ),
    ty(
        "meta.v1.LabelSelector",
        "Selects objects by labels; the terms are ANDed, and an empty selector matches everything.",
        &[
            ("matchLabels", "{}string", "Labels that must all be present with these values."),
            ("matchExpressions", "[]meta.v1.LabelSelectorRequirement", "Set-based requirements."),
        ],
    ),
    req(
        ty(
            "meta.v1.LabelSelectorRequirement",
            "A label key, an operator and values.",
            &[
                ("key", "string", "The label key."),
                ("operator", "string", "In, NotIn, Exists or DoesNotExist."),
                ("values", "[]string", "Values for In and NotIn; empty otherwise."),
            ],
        ),
        &["key", "operator"],
    ),
    kind(
        "core.v1.ConfigMap",
        ("", "v1", "ConfigMap"),
        "Non-secret configuration as key/value pairs that pods read as files, environment or arguments.",
        &[
            ("data", "{}string", "UTF-8 values by key. Keys consist of alphanumerics, '-', '_' or '.'."),
            ("binaryData", "{}byte", "Binary values by key; keys must not overlap with data."),
            ("immutable", "boolean", "When true, data and binaryData cannot be changed."),
        ],
    ),
    kind(
        "core.v1.Secret",
        ("", "v1", "Secret"),
        "Sensitive data such as passwords, tokens or keys, by key.",
        &[
            ("data", "{}byte", "Base64-encoded values by key."),
            ("stringData", "{}string", "Plain values merged into data on write; never returned."),
            ("type", "string", "How the data is meant to be used, e.g. Opaque or kubernetes.io/tls."),
            ("immutable", "boolean", "When true, the data cannot be changed."),
        ],
    ),
    kind(
        "core.v1.Namespace",
        ("", "v1", "Namespace"),
        "A scope for names; most namespaced objects live in one.",
        &[
            ("spec", "core.v1.NamespaceSpec", "Desired behavior of the namespace."),
            ("status", "core.v1.NamespaceStatus", SPEC_STATUS_NOTE),
        ],
    ),
    ty(
        "core.v1.NamespaceSpec",
        "Desired behavior of a namespace.",
        &[("finalizers", "[]string", "Finalizers that must run before the namespace is removed.")],
    ),
    ty("core.v1.NamespaceStatus", "Observed state of a namespace.", &[("phase", "string", "Active or Terminating.")]),
    kind(
        "core.v1.Service",
        ("", "v1", "Service"),
        "A named, stable network endpoint in front of a set of pods picked by a label selector.",
        &[
            ("spec", "core.v1.ServiceSpec", "Desired behavior of the service."),
            ("status", "core.v1.ServiceStatus", SPEC_STATUS_NOTE),
        ],
    ),
    ty(
        "core.v1.ServiceSpec",
        "Desired behavior of a service.",
        &[
            ("ports", "[]core.v1.ServicePort@port", "Ports the service exposes."),
            ("selector", "{}string", "Labels of the pods that receive the traffic."),
            ("type", "string", "ClusterIP, NodePort, LoadBalancer or ExternalName."),
            ("clusterIP", "string", "Virtual IP of the service; None makes it headless."),
            ("clusterIPs", "[]string", "Virtual IPs, one per IP family."),
            ("externalName", "string", "DNS name returned for ExternalName services."),
            ("externalIPs", "[]string", "Extra IPs on which nodes accept traffic for the service."),
            ("sessionAffinity", "string", "ClientIP or None."),
            ("ipFamilies", "[]string", "IPv4 and/or IPv6."),
            ("ipFamilyPolicy", "string", "SingleStack, PreferDualStack or RequireDualStack."),
            ("internalTrafficPolicy", "string", "Cluster or Local, for traffic from inside the cluster."),
            ("externalTrafficPolicy", "string", "Cluster or Local, for traffic from outside the cluster."),
            ("loadBalancerClass", "string", "Which load balancer implementation handles the service."),
        ],
    ),
    req(
        ty(
            "core.v1.ServicePort",
            "One port of a service.",
            &[
                ("name", "string", "Name of the port; required when there are several."),
                ("protocol", "string", "TCP, UDP or SCTP; TCP by default."),
                ("appProtocol", "string", "Application protocol hint."),
                ("port", "integer", "Port the service listens on."),
                ("targetPort", "intstr.IntOrString", "Port number or name on the pods; defaults to port."),
                ("nodePort", "integer", "Port on every node, for NodePort and LoadBalancer services."),
            ],
        ),
        &["port"],
    ),
    ty(
        "core.v1.ServiceStatus",
        "Observed state of a service.",
        &[("loadBalancer", "core.v1.LoadBalancerStatus", "State of the load balancer, when there is one.")],
    ),
    ty(
        "core.v1.LoadBalancerStatus",
        "State of a load balancer.",
        &[("ingress", "[]core.v1.LoadBalancerIngress", "Points where traffic for the service enters.")],
    ),
    ty(
        "core.v1.LoadBalancerIngress",
        "One entry point of a load balancer.",
        &[("ip", "string", "IP address of the entry point."), ("hostname", "string", "DNS name of the entry point.")],
    ),
    kind(
        "core.v1.ServiceAccount",
        ("", "v1", "ServiceAccount"),
        "An identity for processes that run in pods.",
        &[
            ("secrets", "[]core.v1.ObjectReference@name", "Secrets pods of this account may use."),
            ("imagePullSecrets", "[]core.v1.LocalObjectReference", "Secrets used to pull images of its pods."),
            ("automountServiceAccountToken", "boolean", "Whether pods mount an API token by default."),
        ],
    ),
    ty(
        "core.v1.ObjectReference",
        "A reference to another object.",
        &[
            ("apiVersion", "string", "API version of the referent."),
            ("kind", "string", "Kind of the referent."),
            ("namespace", "string", "Namespace of the referent."),
            ("name", "string", "Name of the referent."),
            ("uid", "string", "UID of the referent."),
            ("resourceVersion", "string", "Resource version of the referent."),
            ("fieldPath", "string", "A field within the referent."),
        ],
    ),
    ty(
        "core.v1.LocalObjectReference",
        "Names an object in the same namespace.",
        &[("name", "string", "Name of the referent.")],
    ),
    kind(
        "core.v1.Pod",
        ("", "v1", "Pod"),
        "A group of containers scheduled together onto one node.",
        &[
            ("spec", "core.v1.PodSpec", "Desired behavior of the pod."),
            ("status", "core.v1.PodStatus", SPEC_STATUS_NOTE),
        ],
    ),
    req(
        ty(
            "core.v1.PodSpec",
            "Desired behavior of a pod.",
            &[
                ("containers", "[]core.v1.Container@name", "Containers of the pod; at least one."),
                ("initContainers", "[]core.v1.Container@name", "Containers run to completion, in order, first."),
                ("volumes", "[]core.v1.Volume@name", "Volumes the containers may mount."),
                ("nodeName", "string", "Node the pod is bound to."),
                ("nodeSelector", "{}string", "Labels a node must have to run the pod."),
                ("serviceAccountName", "string", "Service account the pod runs as."),
                ("restartPolicy", "string", "Always, OnFailure or Never."),
                ("terminationGracePeriodSeconds", "integer", "Seconds allowed for graceful shutdown."),
                ("dnsPolicy", "string", "How DNS is configured for the pod."),
                ("hostNetwork", "boolean", "Use the node's network namespace."),
                ("imagePullSecrets", "[]core.v1.LocalObjectReference@name", "Secrets used to pull images."),
                ("schedulerName", "string", "Scheduler that places the pod."),
                ("priorityClassName", "string", "Priority class of the pod."),
                ("tolerations", "[]core.v1.Toleration", "Taints the pod tolerates."),
            ],
        ),
        &["containers"],
    ),
    req(
        ty(
            "core.v1.Container",
            "One container of a pod.",
            &[
                ("name", "string", "Name, unique within the pod."),
                ("image", "string", "Container image reference."),
                ("command", "[]string", "Entrypoint; the image's when empty."),
                ("args", "[]string", "Arguments to the entrypoint."),
                ("workingDir", "string", "Working directory."),
                ("ports", "[]core.v1.ContainerPort@containerPort", "Ports the container exposes."),
                ("env", "[]core.v1.EnvVar@name", "Environment variables."),
                ("resources", "core.v1.ResourceRequirements", "Compute resources requested and allowed."),
                ("volumeMounts", "[]core.v1.VolumeMount@mountPath", "Volumes mounted into the container."),
                ("imagePullPolicy", "string", "Always, Never or IfNotPresent."),
            ],
        ),
        &["name"],
    ),
    req(
        ty(
            "core.v1.ContainerPort",
            "A network port of a container.",
            &[
                ("name", "string", "Name of the port."),
                ("containerPort", "integer", "Port number on the pod's IP."),
                ("protocol", "string", "TCP, UDP or SCTP."),
                ("hostPort", "integer", "Port number on the node."),
            ],
        ),
        &["containerPort"],
    ),
    req(
        ty(
            "core.v1.EnvVar",
            "An environment variable.",
            &[("name", "string", "Variable name."), ("value", "string", "Variable value.")],
        ),
        &["name"],
    ),
    ty(
        "core.v1.ResourceRequirements",
        "Compute resources of a container.",
        &[
            ("limits", "{}resource.Quantity", "Most of each resource the container may use."),
            ("requests", "{}resource.Quantity", "Least of each resource the container needs."),
        ],
    ),
    req(
        ty(
            "core.v1.VolumeMount",
            "Where a volume appears in a container.",
            &[
                ("name", "string", "Name of the volume."),
                ("mountPath", "string", "Path in the container."),
                ("readOnly", "boolean", "Mount read-only."),
                ("subPath", "string", "Path inside the volume to mount instead of its root."),
            ],
        ),
        &["name", "mountPath"],
    ),
    req(
        ty(
            "core.v1.Volume",
            "A named volume of a pod.",
            &[
                ("name", "string", "Name, unique within the pod."),
                ("configMap", "core.v1.ConfigMapVolumeSource", "Projects a ConfigMap's keys as files."),
                ("secret", "core.v1.SecretVolumeSource", "Projects a Secret's keys as files."),
                ("emptyDir", "core.v1.EmptyDirVolumeSource", "A scratch directory that lives as long as the pod."),
            ],
        ),
        &["name"],
    ),
    ty(
        "core.v1.ConfigMapVolumeSource",
        "A ConfigMap mounted as a volume.",
        &[
            ("name", "string", "Name of the ConfigMap."),
            ("optional", "boolean", "Whether the ConfigMap may be missing."),
            ("defaultMode", "integer", "File mode bits of the created files."),
        ],
    ),
    ty(
        "core.v1.SecretVolumeSource",
        "A Secret mounted as a volume.",
        &[
            ("secretName", "string", "Name of the Secret."),
            ("optional", "boolean", "Whether the Secret may be missing."),
            ("defaultMode", "integer", "File mode bits of the created files."),
        ],
    ),
    ty(
        "core.v1.EmptyDirVolumeSource",
        "An initially empty directory.",
        &[
            ("medium", "string", "Storage medium: empty for the node's default, or Memory."),
            ("sizeLimit", "resource.Quantity", "Largest size the directory may grow to."),
        ],
    ),
    ty(
        "core.v1.Toleration",
        "Lets a pod run on nodes with a matching taint.",
        &[
            ("key", "string", "Taint key matched."),
            ("operator", "string", "Exists or Equal."),
            ("value", "string", "Taint value matched."),
            ("effect", "string", "Taint effect matched; all effects when empty."),
            ("tolerationSeconds", "integer", "How long a NoExecute taint is tolerated."),
        ],
    ),
    ty(
        "core.v1.PodStatus",
        "Observed state of a pod.",
        &[
            ("phase", "string", "Pending, Running, Succeeded, Failed or Unknown."),
            ("hostIP", "string", "IP of the node."),
            ("podIP", "string", "IP of the pod."),
            ("startTime", "meta.v1.Time", "When the node accepted the pod."),
        ],
    ),
    ty(
        "core.v1.PodTemplateSpec",
        "Metadata and spec of the pods a controller creates.",
        &[
            ("metadata", "meta.v1.ObjectMeta", "Metadata of the created pods."),
            ("spec", "core.v1.PodSpec", "Spec of the created pods."),
        ],
    ),
    kind(
        "core.v1.Node",
        ("", "v1", "Node"),
        "A worker machine that runs pods.",
        &[
            ("spec", "core.v1.NodeSpec", "Desired behavior of the node."),
            ("status", "core.v1.NodeStatus", SPEC_STATUS_NOTE),
        ],
    ),
    ty(
        "core.v1.NodeSpec",
        "Desired behavior of a node.",
        &[
            ("podCIDR", "string", "Pod IP range of the node."),
            ("providerID", "string", "Identifier of the node at its cloud provider."),
            ("unschedulable", "boolean", "When true, no new pods are placed on the node."),
            ("taints", "[]core.v1.Taint", "Taints that repel pods without a matching toleration."),
        ],
    ),
    req(
        ty(
            "core.v1.Taint",
            "Marks a node so that pods without a matching toleration avoid it.",
            &[
                ("key", "string", "Taint key."),
                ("value", "string", "Taint value."),
                ("effect", "string", "NoSchedule, PreferNoSchedule or NoExecute."),
                ("timeAdded", "meta.v1.Time", "When a NoExecute taint was added."),
            ],
        ),
        &["key", "effect"],
    ),
    ty(
        "core.v1.NodeStatus",
        "Observed state of a node.",
        &[
            ("capacity", "{}resource.Quantity", "Total resources of the node."),
            ("allocatable", "{}resource.Quantity", "Resources available to pods."),
            ("phase", "string", "Lifecycle phase (deprecated)."),
            ("addresses", "[]core.v1.NodeAddress@type", "Addresses of the node."),
        ],
    ),
    req(
        ty(
            "core.v1.NodeAddress",
            "One address of a node.",
            &[("type", "string", "Hostname, InternalIP, ExternalIP, …"), ("address", "string", "The address.")],
        ),
        &["type", "address"],
    ),
    kind(
        "apps.v1.Deployment",
        ("apps", "v1", "Deployment"),
        "Declarative updates for pods through ReplicaSets it manages.",
        &[
            ("spec", "apps.v1.DeploymentSpec", "Desired state of the deployment."),
            ("status", "apps.v1.DeploymentStatus", SPEC_STATUS_NOTE),
        ],
    ),
    req(
        ty(
            "apps.v1.DeploymentSpec",
            "Desired state of a deployment.",
            &[
                ("replicas", "integer", "Number of desired pods; 1 by default."),
                ("selector", "meta.v1.LabelSelector", "Selects the pods of the deployment; must match the template."),
                ("template", "core.v1.PodTemplateSpec", "Pods to create."),
                ("strategy", "apps.v1.DeploymentStrategy", "How old pods are replaced by new ones."),
                ("minReadySeconds", "integer", "Seconds a new pod must be ready to count as available."),
                ("revisionHistoryLimit", "integer", "Old ReplicaSets kept for rollback; 10 by default."),
                ("paused", "boolean", "When true, template changes are not rolled out."),
                ("progressDeadlineSeconds", "integer", "Seconds before a stalled rollout is reported failed."),
            ],
        ),
        &["selector", "template"],
    ),
    ty(
        "apps.v1.DeploymentStrategy",
        "How a deployment replaces pods.",
        &[
            ("type", "string", "Recreate or RollingUpdate (the default)."),
            ("rollingUpdate", "apps.v1.RollingUpdateDeployment", "Parameters of a rolling update."),
        ],
    ),
    ty(
        "apps.v1.DeploymentStatus",
        "Observed state of a deployment.",
        &[
            ("observedGeneration", "integer", "Generation last acted on."),
            ("replicas", "integer", "Pods targeted by the deployment."),
            ("updatedReplicas", "integer", "Pods with the current template."),
            ("readyReplicas", "integer", "Pods that are ready."),
            ("availableReplicas", "integer", "Pods available for at least minReadySeconds."),
            ("unavailableReplicas", "integer", "Pods still needed for full availability."),
        ],
    ),
    ty(
        "apps.v1.RollingUpdateDeployment",
        "Bounds of a rolling update, as a number of pods or a percentage.",
        &[
            ("maxUnavailable", "intstr.IntOrString", "Pods that may be unavailable during the update; 25% by default."),
            ("maxSurge", "intstr.IntOrString", "Pods that may exist above the desired count; 25% by default."),
        ],
    ),
    kind(
        "rbac.v1.Role",
        (RBAC, "v1", "Role"),
        "Namespaced set of permissions, granted through RoleBindings.",
        &[("rules", "[]rbac.v1.PolicyRule", "The permissions.")],
    ),
    kind(
        "rbac.v1.ClusterRole",
        (RBAC, "v1", "ClusterRole"),
        "Cluster-wide set of permissions, granted through ClusterRoleBindings or RoleBindings.",
        &[
            ("rules", "[]rbac.v1.PolicyRule", "The permissions."),
            ("aggregationRule", "rbac.v1.AggregationRule", "When set, rules are gathered from matching ClusterRoles."),
        ],
    ),
    req(
        ty(
            "rbac.v1.PolicyRule",
            "Verbs allowed on resources or non-resource URLs.",
            &[
                ("verbs", "[]string", "Allowed verbs; '*' means all."),
                ("apiGroups", "[]string", "API groups of the resources; '' is the core group."),
                ("resources", "[]string", "Resources the rule covers; '*' means all."),
                ("resourceNames", "[]string", "Object names the rule is limited to."),
                ("nonResourceURLs", "[]string", "URL paths, for ClusterRoles only."),
            ],
        ),
        &["verbs"],
    ),
    ty(
        "rbac.v1.AggregationRule",
        "Selects ClusterRoles whose rules are combined.",
        &[("clusterRoleSelectors", "[]meta.v1.LabelSelector", "Selectors of the ClusterRoles aggregated.")],
    ),
    req(
        kind(
            "rbac.v1.RoleBinding",
            (RBAC, "v1", "RoleBinding"),
            "Grants a Role or ClusterRole to subjects within one namespace.",
            &[
                ("subjects", "[]rbac.v1.Subject", "Users, groups or service accounts granted the role."),
                ("roleRef", "rbac.v1.RoleRef", "The Role or ClusterRole granted; immutable."),
            ],
        ),
        &["roleRef"],
    ),
    req(
        kind(
            "rbac.v1.ClusterRoleBinding",
            (RBAC, "v1", "ClusterRoleBinding"),
            "Grants a ClusterRole to subjects across the whole cluster.",
            &[
                ("subjects", "[]rbac.v1.Subject", "Users, groups or service accounts granted the role."),
                ("roleRef", "rbac.v1.RoleRef", "The ClusterRole granted; immutable."),
            ],
        ),
        &["roleRef"],
    ),
    req(
        ty(
            "rbac.v1.Subject",
            "A user, group or service account.",
            &[
                ("kind", "string", "User, Group or ServiceAccount."),
                ("apiGroup", "string", "rbac.authorization.k8s.io for users and groups, '' for service accounts."),
                ("name", "string", "Name of the subject."),
                ("namespace", "string", "Namespace of a service account."),
            ],
        ),
        &["kind", "name"],
    ),
    req(
        ty(
            "rbac.v1.RoleRef",
            "The role a binding grants.",
            &[
                ("apiGroup", "string", "Group of the role, rbac.authorization.k8s.io."),
                ("kind", "string", "Role or ClusterRole."),
                ("name", "string", "Name of the role."),
            ],
        ),
        &["apiGroup", "kind", "name"],
    ),
];

/// The full schema name of a short one (`meta.v1.ObjectMeta`, `core.v1.Pod`).
fn full_name(short: &str) -> String {
    match short.split_once('.') {
        Some(("meta", _)) => format!("io.k8s.apimachinery.pkg.apis.{short}"),
        Some(("intstr", _)) => format!("io.k8s.apimachinery.pkg.util.{short}"),
        Some(("resource", _)) => format!("io.k8s.apimachinery.pkg.api.{short}"),
        _ => format!("io.k8s.api.{short}"),
    }
}

/// kube-apiserver's schema name of a kind.
pub(crate) fn kind_schema_name(group: &str, version: &str, kind: &str) -> String {
    match group {
        "" => format!("io.k8s.api.core.{version}.{kind}"),
        "apiextensions.k8s.io" => format!("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{version}.{kind}"),
        "apiregistration.k8s.io" => format!("io.k8s.kube-aggregator.pkg.apis.apiregistration.{version}.{kind}"),
        g => format!("io.k8s.api.{}.{version}.{kind}", g.split('.').next().unwrap_or(g)),
    }
}

fn reference(short: &str) -> Value {
    json!({"allOf": [{"$ref": format!("#/components/schemas/{}", full_name(short))}], "default": {}})
}

/// The schema of one type expression of the table's language.
fn type_schema(t: &str) -> Value {
    if let Some(inner) = t.strip_prefix("{}") {
        return json!({"type": "object", "additionalProperties": type_schema(inner)});
    }
    if let Some(inner) = t.strip_prefix("[]") {
        let (item, key) = inner.split_once('@').map_or((inner, None), |(i, k)| (i, Some(k)));
        let mut s = json!({"type": "array", "items": type_schema(item)});
        if let Some(k) = key {
            s["x-kubernetes-patch-merge-key"] = json!(k);
            s["x-kubernetes-patch-strategy"] = json!("merge");
        }
        return s;
    }
    match t {
        "string" | "integer" | "boolean" => json!({"type": t}),
        "byte" => json!({"type": "string", "format": "byte"}),
        r => reference(r),
    }
}

fn field(t: &str, desc: &str) -> Value {
    let mut s = type_schema(t);
    s["description"] = json!(desc);
    s
}

/// The standard fields of every kind.
fn kind_fields(props: &mut Map<String, Value>) {
    props.insert(
        "apiVersion".into(),
        field("string", "Versioned schema of this representation; the server converts recognized values."),
    );
    props.insert("kind".into(), field("string", "REST resource type of this object, in CamelCase."));
    props.insert("metadata".into(), field("meta.v1.ObjectMeta", "Standard object metadata."));
}

fn kind_schema(gvk: (&str, &str, &str), desc: &str, fields: &[(&str, &str, &str)], required: &[&str]) -> Value {
    let mut props = Map::new();
    kind_fields(&mut props);
    for (name, t, d) in fields {
        props.insert((*name).into(), field(t, d));
    }
    let (g, v, k) = gvk;
    let mut s = json!({
        "description": desc,
        "type": "object",
        "properties": props,
        "x-kubernetes-group-version-kind": [{"group": g, "version": v, "kind": k}],
    });
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    s
}

fn def_schema(d: &Def) -> Value {
    if let Some(gvk) = d.gvk {
        return kind_schema(gvk, d.desc, d.fields, d.required);
    }
    let props: Map<String, Value> = d.fields.iter().map(|(n, t, desc)| ((*n).to_owned(), field(t, desc))).collect();
    let mut s = json!({"description": d.desc, "type": "object", "properties": props});
    if !d.required.is_empty() {
        s["required"] = json!(d.required);
    }
    s
}

/// Adds `short`'s schema and those it references, transitively, to `out`.
fn add_with_refs(short: &str, out: &mut Map<String, Value>) {
    let name = full_name(short);
    if out.contains_key(&name) {
        return;
    }
    if let Some((_, t, format, desc)) = SCALARS.iter().find(|s| s.0 == short) {
        let mut s = json!({"description": desc});
        match t.split_once('|') {
            Some((a, b)) => s["oneOf"] = json!([{"type": a}, {"type": b}]),
            None => s["type"] = json!(t),
        }
        if !format.is_empty() {
            s["format"] = json!(format);
        }
        out.insert(name, s);
        return;
    }
    let Some(d) = DEFS.iter().find(|d| d.name == short) else { return };
    out.insert(name, def_schema(d));
    for (_, t, _) in d.fields {
        let base = t.trim_start_matches("{}").trim_start_matches("[]");
        let base = base.split('@').next().unwrap_or(base);
        if base.contains('.') {
            add_with_refs(base, out);
        }
    }
    if d.gvk.is_some() {
        add_with_refs("meta.v1.ObjectMeta", out);
    }
}

/// `components.schemas` of the document of `group/version`: the table's kinds of that group/version
/// with everything they reference, and a standard-fields schema for every other kind it serves.
pub(crate) fn schemas(group: &str, version: &str) -> Value {
    let mut out = Map::new();
    for d in DEFS.iter().filter(|d| d.gvk.is_some_and(|(g, v, _)| g == group && v == version)) {
        add_with_refs(d.name, &mut out);
    }
    for r in RESOURCES.iter().filter(|r| r.group == group && r.version == version) {
        let name = kind_schema_name(r.group, r.version, r.kind);
        if !out.contains_key(&name) {
            let desc =
                format!("{} of the {} API; this server describes only its standard fields.", r.kind, r.api_version());
            out.insert(name, kind_schema((r.group, r.version, r.kind), &desc, &[], &[]));
            add_with_refs("meta.v1.ObjectMeta", &mut out);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::all_gvs;

    #[test]
    fn every_served_kind_has_a_schema_with_its_gvk() {
        for r in RESOURCES {
            let s = schemas(r.group, r.version);
            let name = kind_schema_name(r.group, r.version, r.kind);
            let k = &s[&name];
            assert_eq!(k["type"], "object", "{name}");
            assert!(k["description"].as_str().is_some_and(|d| !d.is_empty()), "{name}");
            assert_eq!(
                k["x-kubernetes-group-version-kind"],
                json!([{"group": r.group, "version": r.version, "kind": r.kind}]),
                "{name}"
            );
            assert!(k["properties"]["metadata"].is_object(), "{name}");
        }
    }

    #[test]
    fn table_kinds_use_kube_apiserver_names() {
        for d in DEFS {
            if let Some((g, v, k)) = d.gvk {
                assert_eq!(full_name(d.name), kind_schema_name(g, v, k));
            }
        }
        let core = schemas("", "v1");
        assert_eq!(
            core["io.k8s.api.core.v1.ConfigMap"]["properties"]["data"]["additionalProperties"]["type"],
            "string"
        );
        assert_eq!(
            core["io.k8s.api.core.v1.Pod"]["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        let ports = &core["io.k8s.api.core.v1.ServiceSpec"]["properties"]["ports"];
        assert_eq!(ports["type"], "array");
        assert_eq!(ports["x-kubernetes-patch-merge-key"], "port");
    }

    #[test]
    fn every_reference_resolves_within_its_document() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|x| refs(x, out));
                }
                Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        for (g, v) in all_gvs() {
            let s = schemas(g, v);
            let mut found = Vec::new();
            refs(&s, &mut found);
            for r in found {
                let name = r.strip_prefix("#/components/schemas/").unwrap();
                assert!(s.get(name).is_some(), "{g}/{v}: {r} is missing");
            }
        }
    }
}
