//! Clusters, their updates and tags (eks-api.md §2.1, §3.1, §3.2, §3.7).

use super::state::{keys, Cluster, Creator, EndpointRef, Update};
use super::{check_name, cluster_arn, now, page, region, req, resource_all_clusters, resource_cluster, s, uuid};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::{Ctx, Op};
use eksim_model::PrincipalKind;
use eksim_store::TxnExt;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

macro_rules! op {
    ($name:literal, $resource:expr, $handler:expr) => {
        Op { name: $name, action: concat!("eks:", $name), resource: $resource, handler: $handler }
    };
}

/// Cluster operations.
pub static OPERATIONS: &[Op] = &[
    op!("CreateCluster", resource_all_clusters_or_new, create_cluster),
    op!("DescribeCluster", resource_cluster, describe_cluster),
    op!("ListClusters", resource_all_clusters, list_clusters),
    op!("DeleteCluster", resource_cluster, delete_cluster),
    op!("UpdateClusterConfig", resource_cluster, update_cluster_config),
    op!("DescribeUpdate", resource_cluster, describe_update),
    op!("ListUpdates", resource_cluster, list_updates),
    op!("TagResource", resource_tagged, tag_resource),
    op!("UntagResource", resource_tagged, untag_resource),
    op!("ListTagsForResource", resource_tagged, list_tags_for_resource),
];

/// The Kubernetes version new clusters get when none is given.
pub const DEFAULT_VERSION: &str = "1.32";
/// Versions eksim accepts.
pub const VERSIONS: &[&str] = &["1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34"];
const MODES: &[&str] = &["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];
const LOG_TYPES: &[&str] = &["api", "audit", "authenticator", "controllerManager", "scheduler"];

fn resource_all_clusters_or_new(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    // CreateCluster has no resource type in the SAR; AWS prints the new cluster's ARN.
    match s(input, "name") {
        Some(n) => Ok(cluster_arn(ctx, n)),
        None => resource_all_clusters(ctx, input),
    }
}

fn resource_tagged(_ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(req(input, "resourceArn")?.to_owned())
}

/// Loads a cluster of the request's account and region, or `No cluster found for name: X.`
pub fn load(ctx: &mut Ctx<'_>, name: &str) -> Result<Cluster> {
    let key = keys::cluster(ctx.account(), &region(ctx), name);
    ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(|| error::no_cluster(name))
}

/// Saves a cluster.
pub fn save(ctx: &mut Ctx<'_>, c: &Cluster) -> Result<()> {
    let key = keys::cluster(&c.account, &c.region, &c.name);
    ctx.tx.put_json(&key, c).map_err(error::store)?;
    Ok(())
}

/// The cluster's status at `t`.
pub fn status(c: &Cluster, t: f64) -> &'static str {
    if t < c.active_at {
        "CREATING"
    } else if t < c.updating_until {
        "UPDATING"
    } else {
        "ACTIVE"
    }
}

/// The `Cluster` shape as DescribeCluster returns it.
pub fn cluster_json(ctx: &mut Ctx<'_>, c: &Cluster, status_override: Option<&str>) -> Result<Value> {
    let t = now(ctx);
    let status = status_override.unwrap_or_else(|| status(c, t));
    let ca = ctx
        .tx
        .get_json::<super::state::CertificateAuthority>(keys::CA)
        .map_err(error::store)?
        .map(|ca| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, ca.cert_pem));
    let mut v = json!({
        "name": c.name,
        "arn": c.arn,
        "createdAt": c.created_at,
        "version": c.version,
        "roleArn": c.role_arn,
        "resourcesVpcConfig": c.resources_vpc_config,
        "kubernetesNetworkConfig": c.kubernetes_network_config,
        "logging": c.logging,
        "identity": {"oidc": {"issuer": format!("https://oidc.eks.{}.amazonaws.com/id/{}", c.region, c.endpoint_id)}},
        "status": status,
        "platformVersion": c.platform_version,
        "tags": c.tags,
        "health": {"issues": []},
        "accessConfig": {"authenticationMode": c.authentication_mode},
    });
    // Right after create AWS shows no endpoint and an empty certificateAuthority.
    if status == "CREATING" {
        v["certificateAuthority"] = json!({});
    } else {
        v["endpoint"] = json!(format!("{}/clusters/{}", ctx.aws.config().kube_url, c.endpoint_id));
        v["certificateAuthority"] = match ca {
            Some(data) => json!({ "data": data }),
            None => json!({}),
        };
    }
    if let Some(t) = &c.client_request_token {
        v["clientRequestToken"] = json!(t);
    }
    for (k, val) in &c.extra {
        v[k] = val.clone();
    }
    Ok(v)
}

fn creator(ctx: &Ctx<'_>) -> Creator {
    let p = ctx.caller;
    let principal_id = match &p.kind {
        PrincipalKind::Root => p.account.to_string(),
        PrincipalKind::User { user_id, .. } => user_id.clone(),
        PrincipalKind::AssumedRole { role_id, .. } => role_id.clone(),
        PrincipalKind::FederatedUser { .. } => p.user_id(),
    };
    Creator { principal_arn: p.principal_arn(), principal_id, caller_arn: p.arn() }
}

fn logging_default() -> Value {
    json!({"clusterLogging": [{"types": LOG_TYPES, "enabled": false}]})
}

/// Normalises a logging block: every type appears once, enabled or not (AWS's answer shape).
fn logging_merge(current: &Value, requested: &Value) -> Result<Value> {
    let mut enabled: BTreeMap<&str, bool> = BTreeMap::new();
    for block in current.get("clusterLogging").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let on = block.get("enabled").and_then(Value::as_bool).unwrap_or(false);
        for t in block.get("types").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(t) = t.as_str().and_then(|t| LOG_TYPES.iter().find(|l| **l == t)) {
                enabled.insert(t, on);
            }
        }
    }
    for block in requested.get("clusterLogging").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let on = block.get("enabled").and_then(Value::as_bool).unwrap_or(false);
        for t in block.get("types").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let name = t.as_str().unwrap_or_default();
            let Some(known) = LOG_TYPES.iter().find(|l| **l == name) else {
                return Err(error::invalid_parameter(format!(
                    "The type {name} is not a valid log type. Valid types are [api, audit, authenticator, controllerManager, scheduler]"
                )));
            };
            enabled.insert(known, on);
        }
    }
    let on: Vec<&str> = LOG_TYPES.iter().copied().filter(|t| enabled.get(t).copied().unwrap_or(false)).collect();
    let off: Vec<&str> = LOG_TYPES.iter().copied().filter(|t| !enabled.get(t).copied().unwrap_or(false)).collect();
    let mut blocks = Vec::new();
    if !on.is_empty() {
        blocks.push(json!({"types": on, "enabled": true}));
    }
    if !off.is_empty() {
        blocks.push(json!({"types": off, "enabled": false}));
    }
    Ok(json!({ "clusterLogging": blocks }))
}

fn check_tags(tags: &Value) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if let Some(obj) = tags.as_object() {
        for (k, v) in obj {
            if k.starts_with("aws:") {
                return Err(error::reserved_tag_key());
            }
            out.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    }
    Ok(out)
}

/// A 32-character upper-case hex id, like real EKS endpoint and OIDC ids.
fn endpoint_id() -> String {
    let mut b = [0u8; 16];
    eksim_model::ids::random_bytes(&mut b);
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// CreateCluster.
pub fn create_cluster(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = req(i, "name")?.to_owned();
    check_name("name", &name)?;
    let role_arn = req(i, "roleArn")?.to_owned();
    // EKS passes the cluster role to itself: the caller needs iam:PassRole on it.
    crate::authz::also(ctx, "iam:PassRole", &role_arn, i)?;
    let access = i.get("accessConfig").cloned().unwrap_or(json!({}));
    let mode = s(&access, "authenticationMode").unwrap_or("CONFIG_MAP").to_owned();
    if !MODES.contains(&mode.as_str()) {
        return Err(error::invalid_parameter(format!(
            "The authenticationMode {mode} is not valid. Valid values are [API, API_AND_CONFIG_MAP, CONFIG_MAP]"
        )));
    }
    let bootstrap = access.get("bootstrapClusterCreatorAdminPermissions").and_then(Value::as_bool).unwrap_or(true);
    if mode == "CONFIG_MAP" && !bootstrap {
        return Err(error::invalid_parameter(
            "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP",
        ));
    }
    let version = s(i, "version").unwrap_or(DEFAULT_VERSION).to_owned();
    if !VERSIONS.contains(&version.as_str()) {
        return Err(error::invalid_parameter(format!("unsupported Kubernetes version {version}")));
    }
    let token = s(i, "clientRequestToken").map(str::to_owned);
    let key = keys::cluster(ctx.account(), &region(ctx), &name);
    if let Some(existing) = ctx.tx.get_json::<Cluster>(&key).map_err(error::store)? {
        // A retry with the same client token is the same request: answer it again.
        if token.is_some() && existing.client_request_token == token {
            return Ok(json!({ "cluster": cluster_json(ctx, &existing, None)? }));
        }
        return Err(error::resource_in_use(format!("Cluster already exists with name: {name}")));
    }
    let tags = check_tags(i.get("tags").unwrap_or(&Value::Null))?;
    let vpc_in = i.get("resourcesVpcConfig").cloned().unwrap_or(json!({}));
    let mut vpc = json!({
        "subnetIds": vpc_in.get("subnetIds").cloned().unwrap_or(json!([])),
        "securityGroupIds": vpc_in.get("securityGroupIds").cloned().unwrap_or(json!([])),
        "clusterSecurityGroupId": format!("sg-{}", &endpoint_id()[..17].to_lowercase()),
        "vpcId": format!("vpc-{}", &endpoint_id()[..17].to_lowercase()),
        "endpointPublicAccess": vpc_in.get("endpointPublicAccess").and_then(Value::as_bool).unwrap_or(true),
        "endpointPrivateAccess": vpc_in.get("endpointPrivateAccess").and_then(Value::as_bool).unwrap_or(false),
        "publicAccessCidrs": vpc_in.get("publicAccessCidrs").cloned().unwrap_or(json!(["0.0.0.0/0"])),
    });
    if vpc["subnetIds"].as_array().is_none_or(Vec::is_empty) {
        vpc["subnetIds"] = json!([]);
    }
    let knc_in = i.get("kubernetesNetworkConfig").cloned().unwrap_or(json!({}));
    let ip_family = s(&knc_in, "ipFamily").unwrap_or("ipv4").to_owned();
    let cidr = s(&knc_in, "serviceIpv4Cidr").unwrap_or("10.100.0.0/16").to_owned();
    let mut knc = json!({"serviceIpv4Cidr": cidr, "ipFamily": ip_family});
    if let Some(elb) = knc_in.get("elasticLoadBalancing") {
        knc["elasticLoadBalancing"] = elb.clone();
    }
    let logging = logging_merge(&logging_default(), i.get("logging").unwrap_or(&Value::Null))?;
    let mut extra = BTreeMap::new();
    extra.insert(
        "upgradePolicy".to_owned(),
        i.get("upgradePolicy").cloned().unwrap_or(json!({"supportType": "EXTENDED"})),
    );
    extra.insert(
        "deletionProtection".to_owned(),
        json!(i.get("deletionProtection").and_then(Value::as_bool).unwrap_or(false)),
    );
    for member in [
        "encryptionConfig",
        "outpostConfig",
        "zonalShiftConfig",
        "remoteNetworkConfig",
        "computeConfig",
        "storageConfig",
        "controlPlaneScalingConfig",
    ] {
        if let Some(v) = i.get(member) {
            extra.insert(member.to_owned(), v.clone());
        }
    }
    let t = now(ctx);
    let cluster = Cluster {
        name: name.clone(),
        account: ctx.account().clone(),
        region: region(ctx),
        arn: cluster_arn(ctx, &name),
        created_at: t,
        version: version.clone(),
        platform_version: "eks.14".into(),
        role_arn,
        endpoint_id: endpoint_id(),
        resources_vpc_config: vpc,
        kubernetes_network_config: knc,
        logging,
        authentication_mode: mode.clone(),
        bootstrap_creator_admin: bootstrap,
        creator: creator(ctx),
        tags,
        client_request_token: token,
        active_at: t + ctx.aws.config().cluster_create_delay,
        updating_until: 0.0,
        extra,
    };
    save(ctx, &cluster)?;
    let endpoint = EndpointRef { account: cluster.account.clone(), region: cluster.region.clone(), cluster: name };
    ctx.tx.put_json(&keys::endpoint(&cluster.endpoint_id), &endpoint).map_err(error::store)?;
    if bootstrap && mode != "CONFIG_MAP" {
        super::access::bootstrap_creator_entry(ctx, &cluster)?;
    }
    // The create response always shows CREATING, so `aws eks wait cluster-active` has a
    // transition to observe.
    Ok(json!({ "cluster": cluster_json(ctx, &cluster, Some("CREATING"))? }))
}

/// DescribeCluster.
pub fn describe_cluster(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = load(ctx, req(a.input(), "name")?)?;
    Ok(json!({ "cluster": cluster_json(ctx, &c, None)? }))
}

/// ListClusters.
pub fn list_clusters(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    if let Some(include) = a.input().get("include").and_then(Value::as_array) {
        if include.iter().any(|v| v.as_str() != Some("all")) {
            return Err(error::invalid_parameter("The include parameter must be \"all\" in lowercase."));
        }
    }
    let prefix = keys::clusters(ctx.account(), &region(ctx));
    let names: Vec<String> = ctx
        .tx
        .scan(&prefix, None, usize::MAX)
        .map_err(error::store)?
        .into_iter()
        .map(|(k, _)| k[prefix.len()..].to_owned())
        .collect();
    let (names, token) = page(names, Clone::clone, a.input())?;
    let mut out = json!({ "clusters": names });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// DeleteCluster: answers the cluster as DELETING and removes it with its entries, updates,
/// node groups, profiles and Kubernetes objects.
pub fn delete_cluster(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = load(ctx, req(a.input(), "name")?)?;
    let r = region(ctx);
    let acct = ctx.account().clone();
    if !ctx.tx.scan(&keys::nodegroups(&acct, &r, &c.name), None, 1).map_err(error::store)?.is_empty() {
        return Err(error::resource_in_use("Cluster has nodegroups attached"));
    }
    if c.extra.get("deletionProtection").and_then(Value::as_bool).unwrap_or(false) {
        return Err(error::invalid_request(format!(
            "Cluster {} has deletion protection enabled. Disable deletion protection before deleting the cluster.",
            c.name
        )));
    }
    let body = cluster_json(ctx, &c, Some("DELETING"))?;
    for prefix in [
        keys::entries(&acct, &r, &c.name),
        keys::updates(&acct, &r, &c.name),
        keys::fargates(&acct, &r, &c.name),
        format!("kube/{}/", c.endpoint_id),
    ] {
        ctx.tx.delete_prefix(&prefix).map_err(error::store)?;
    }
    ctx.tx.delete(&keys::endpoint(&c.endpoint_id)).map_err(error::store)?;
    ctx.tx.delete(&keys::cluster(&acct, &r, &c.name)).map_err(error::store)?;
    Ok(json!({ "cluster": body }))
}

fn update_json(u: &Update, t: f64) -> Value {
    json!({
        "id": u.id,
        "status": if t < u.done_at { "InProgress" } else { "Successful" },
        "type": u.kind,
        "params": u.params,
        "createdAt": u.created_at,
        "errors": [],
    })
}

/// UpdateClusterConfig: one kind of change per call (authentication mode, logging, endpoint
/// access, …), answered as an InProgress update that completes at the next read.
pub fn update_cluster_config(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut c = load(ctx, req(i, "name")?)?;
    let token = s(i, "clientRequestToken").map(str::to_owned);
    let acct = ctx.account().clone();
    let r = region(ctx);
    if token.is_some() {
        for (_, u) in ctx.tx.list_json::<Update>(&keys::updates(&acct, &r, &c.name)).map_err(error::store)? {
            if u.client_request_token == token {
                return Ok(json!({ "update": update_json(&u, now(ctx)) }));
            }
        }
    }
    let kinds: Vec<&str> = [
        "accessConfig",
        "logging",
        "resourcesVpcConfig",
        "upgradePolicy",
        "zonalShiftConfig",
        "computeConfig",
        "kubernetesNetworkConfig",
        "storageConfig",
        "remoteNetworkConfig",
        "deletionProtection",
        "controlPlaneScalingConfig",
    ]
    .into_iter()
    .filter(|k| i.get(*k).is_some())
    .collect();
    if kinds.len() != 1 {
        return Err(error::invalid_parameter(if kinds.is_empty() {
            "No changes needed for the logging config provided".to_owned()
        } else {
            "Only one type of update can be allowed.".to_owned()
        }));
    }
    let t = now(ctx);
    if status(&c, t) != "ACTIVE" {
        return Err(error::resource_in_use(format!(
            "Cluster is not in ACTIVE status (current status is {})",
            status(&c, t)
        )));
    }
    let (kind, params) = match kinds[0] {
        "accessConfig" => {
            let access = &i["accessConfig"];
            let to = s(access, "authenticationMode").unwrap_or_default().to_owned();
            let from = c.authentication_mode.clone();
            let rank = |m: &str| MODES.iter().position(|x| *x == m);
            match (rank(&from), rank(&to)) {
                (Some(f), Some(t)) if t == f + 1 => {}
                _ => {
                    return Err(error::invalid_parameter(format!(
                        "Unsupported authentication mode update from {from} to {to}"
                    )))
                }
            }
            c.authentication_mode = to.clone();
            // Switching CONFIG_MAP → API_AND_CONFIG_MAP materialises the creator's entry
            // and the node roles' entries (eks-api.md §3.2, §3.7).
            if from == "CONFIG_MAP" {
                if c.bootstrap_creator_admin {
                    super::access::bootstrap_creator_entry(ctx, &c)?;
                }
                let ngs = super::nodegroups::node_roles(ctx, &c.name)?;
                for role in ngs {
                    super::access::node_role_entry(ctx, &c, &role, "EC2_LINUX")?;
                }
            }
            ("AccessConfigUpdate", json!([{"type": "AuthenticationMode", "value": Value::String(to).to_string()}]))
        }
        "logging" => {
            let merged = logging_merge(&c.logging, &i["logging"])?;
            if merged == c.logging {
                return Err(error::invalid_parameter("No changes needed for the logging config provided"));
            }
            c.logging = merged.clone();
            ("LoggingUpdate", json!([{"type": "ClusterLogging", "value": merged.to_string()}]))
        }
        "resourcesVpcConfig" => {
            let vpc = &i["resourcesVpcConfig"];
            let mut params = Vec::new();
            for (field, ptype) in [
                ("endpointPublicAccess", "EndpointPublicAccess"),
                ("endpointPrivateAccess", "EndpointPrivateAccess"),
                ("publicAccessCidrs", "PublicAccessCidrs"),
            ] {
                if let Some(v) = vpc.get(field) {
                    c.resources_vpc_config[field] = v.clone();
                    params.push(json!({"type": ptype, "value": v.to_string()}));
                }
            }
            if let Some(v) = vpc.get("securityGroupIds").or_else(|| vpc.get("subnetIds")) {
                let _ = v;
                for field in ["securityGroupIds", "subnetIds"] {
                    if let Some(v) = vpc.get(field) {
                        c.resources_vpc_config[field] = v.clone();
                    }
                }
                return finish(ctx, c, "VpcConfigUpdate", json!(params), token, t);
            }
            ("EndpointAccessUpdate", json!(params))
        }
        "deletionProtection" => {
            let v = i["deletionProtection"].clone();
            c.extra.insert("deletionProtection".into(), v.clone());
            ("DeletionProtectionUpdate", json!([{"type": "DeletionProtection", "value": v.to_string()}]))
        }
        other => {
            let v = i[other].clone();
            c.extra.insert(other.to_owned(), v.clone());
            let kind = match other {
                "upgradePolicy" => "UpgradePolicyUpdate",
                "zonalShiftConfig" => "ZonalShiftConfigUpdate",
                "computeConfig" | "storageConfig" => "AutoModeUpdate",
                "remoteNetworkConfig" => "RemoteNetworkConfigUpdate",
                "controlPlaneScalingConfig" => "ControlPlaneScalingConfigUpdate",
                _ => "ConfigUpdate",
            };
            (kind, json!([]))
        }
    };
    finish(ctx, c, kind, params, token, t)
}

fn finish(
    ctx: &mut Ctx<'_>,
    mut c: Cluster,
    kind: &str,
    params: Value,
    token: Option<String>,
    t: f64,
) -> Result<Value> {
    let u = Update {
        id: uuid(),
        cluster: c.name.clone(),
        kind: kind.to_owned(),
        params,
        created_at: t,
        // InProgress in this answer, Successful from the next read on.
        done_at: t + 0.001,
        client_request_token: token,
    };
    c.updating_until = u.done_at;
    save(ctx, &c)?;
    let key = keys::update(&c.account, &c.region, &c.name, &u.id);
    ctx.tx.put_json(&key, &u).map_err(error::store)?;
    Ok(json!({ "update": update_json(&u, t) }))
}

/// DescribeUpdate.
pub fn describe_update(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = load(ctx, req(a.input(), "name")?)?;
    let id = req(a.input(), "updateId")?;
    let key = keys::update(&c.account, &c.region, &c.name, id);
    let u: Update = ctx
        .tx
        .get_json(&key)
        .map_err(error::store)?
        .ok_or_else(|| error::resource_not_found(format!("No update found for ID: {id}")))?;
    Ok(json!({ "update": update_json(&u, now(ctx)) }))
}

/// ListUpdates (cluster updates; node group and add-on updates are not served).
pub fn list_updates(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = load(ctx, req(a.input(), "name")?)?;
    let mut updates: Vec<Update> = ctx
        .tx
        .list_json::<Update>(&keys::updates(&c.account, &c.region, &c.name))
        .map_err(error::store)?
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    if s(a.input(), "nodegroupName").is_some() || s(a.input(), "addonName").is_some() {
        updates.clear();
    }
    updates.sort_by(|a, b| a.created_at.total_cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let (updates, token) = page(updates, |u| format!("{:020.3}{}", u.created_at, u.id), a.input())?;
    let mut out = json!({ "updateIds": updates.iter().map(|u| u.id.clone()).collect::<Vec<_>>() });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// What a taggable ARN names: a cluster, an access entry, a node group or a Fargate profile.
enum Tagged {
    Cluster(Box<Cluster>),
    Entry(String),
    Nodegroup(String),
    Fargate(String),
}

fn tagged(ctx: &mut Ctx<'_>, arn: &str) -> Result<Tagged> {
    let not_found = || error::not_found(format!("Resource {arn} not found"));
    let parsed = eksim_model::Arn::parse(arn).ok_or_else(|| error::bad_request(format!("{arn} is not a valid ARN")))?;
    if parsed.service != "eks" || parsed.account != ctx.account().as_str() || parsed.region != ctx.facts.region {
        return Err(not_found());
    }
    let mut parts = parsed.resource.splitn(3, '/');
    let kind = parts.next().unwrap_or_default();
    let cluster = parts.next().unwrap_or_default().to_owned();
    let key = keys::cluster(ctx.account(), &ctx.facts.region, &cluster);
    let c: Cluster = ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(not_found)?;
    let acct = ctx.account().clone();
    let r = region(ctx);
    match kind {
        "cluster" if c.arn == arn => Ok(Tagged::Cluster(Box::new(c))),
        "access-entry" => {
            for (k, e) in ctx
                .tx
                .list_json::<super::state::AccessEntry>(&keys::entries(&acct, &r, &c.name))
                .map_err(error::store)?
            {
                if e.access_entry_arn == arn {
                    return Ok(Tagged::Entry(k));
                }
            }
            Err(not_found())
        }
        "nodegroup" => {
            for (k, n) in ctx
                .tx
                .list_json::<super::state::Nodegroup>(&keys::nodegroups(&acct, &r, &c.name))
                .map_err(error::store)?
            {
                if n.arn == arn {
                    return Ok(Tagged::Nodegroup(k));
                }
            }
            Err(not_found())
        }
        "fargateprofile" => {
            for (k, f) in ctx
                .tx
                .list_json::<super::state::FargateProfile>(&keys::fargates(&acct, &r, &c.name))
                .map_err(error::store)?
            {
                if f.arn == arn {
                    return Ok(Tagged::Fargate(k));
                }
            }
            Err(not_found())
        }
        _ => Err(not_found()),
    }
}

/// Reads and writes the tags of whatever `arn` names.
fn with_tags<R>(
    ctx: &mut Ctx<'_>,
    arn: &str,
    f: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(R, bool)>,
) -> Result<R> {
    match tagged(ctx, arn)? {
        Tagged::Cluster(mut c) => {
            let (r, dirty) = f(&mut c.tags)?;
            if dirty {
                save(ctx, &c)?;
            }
            Ok(r)
        }
        Tagged::Entry(key) => {
            let mut e: super::state::AccessEntry =
                ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(|| error::not_found(arn.to_owned()))?;
            let (r, dirty) = f(&mut e.tags)?;
            if dirty {
                ctx.tx.put_json(&key, &e).map_err(error::store)?;
            }
            Ok(r)
        }
        Tagged::Nodegroup(key) | Tagged::Fargate(key) => {
            let mut v: Value =
                ctx.tx.get_json(&key).map_err(error::store)?.ok_or_else(|| error::not_found(arn.to_owned()))?;
            let mut tags: BTreeMap<String, String> =
                serde_json::from_value(v["body"]["tags"].clone()).unwrap_or_default();
            let (r, dirty) = f(&mut tags)?;
            if dirty {
                v["body"]["tags"] = json!(tags);
                ctx.tx.put_json(&key, &v).map_err(error::store)?;
            }
            Ok(r)
        }
    }
}

/// TagResource.
pub fn tag_resource(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "resourceArn")?.to_owned();
    let new: Map<String, Value> = a.input().get("tags").and_then(Value::as_object).cloned().unwrap_or_default();
    if new.keys().any(|k| k.starts_with("aws:")) {
        return Err(error::reserved_tag_key_on_tagging());
    }
    with_tags(ctx, &arn, |tags| {
        for (k, v) in new {
            tags.insert(k, v.as_str().unwrap_or_default().to_owned());
        }
        if tags.len() > 50 {
            return Err(error::bad_request("The number of tags exceeds the limit of 50."));
        }
        Ok(((), true))
    })?;
    Ok(json!({}))
}

/// UntagResource.
pub fn untag_resource(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "resourceArn")?.to_owned();
    let remove: Vec<String> = a
        .input()
        .get("tagKeys")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(|k| k.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    with_tags(ctx, &arn, |tags| {
        for k in &remove {
            tags.remove(k);
        }
        Ok(((), true))
    })?;
    Ok(json!({}))
}

/// ListTagsForResource.
pub fn list_tags_for_resource(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let arn = req(a.input(), "resourceArn")?.to_owned();
    let tags = with_tags(ctx, &arn, |tags| Ok((tags.clone(), false)))?;
    Ok(json!({ "tags": tags }))
}
