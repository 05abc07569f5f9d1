//! Managed node groups and Fargate profiles, stored with AWS's shapes. A node group's node
//! role is what EKS maps for nodes: an EC2_LINUX access entry in API modes, an aws-auth
//! entry in CONFIG_MAP modes (the Kubernetes side reads [`node_roles`]).

use super::state::{keys, Cluster, FargateProfile, Nodegroup};
use super::{check_name, now, page, region, req, s, uuid};
use crate::authz::Authorized;
use crate::error::{self, Result};
use crate::{Ctx, Op};
use eksim_store::TxnExt;
use serde_json::{json, Value};

macro_rules! op {
    ($name:literal, $resource:expr, $handler:expr) => {
        Op { name: $name, action: concat!("eks:", $name), resource: $resource, handler: $handler }
    };
}

/// Node group and Fargate profile operations.
pub static OPERATIONS: &[Op] = &[
    op!("CreateNodegroup", super::resource_cluster, create_nodegroup),
    op!("DescribeNodegroup", resource_nodegroup, describe_nodegroup),
    op!("ListNodegroups", super::resource_cluster, list_nodegroups),
    op!("DeleteNodegroup", resource_nodegroup, delete_nodegroup),
    op!("CreateFargateProfile", super::resource_cluster, create_fargate_profile),
    op!("DescribeFargateProfile", resource_fargate, describe_fargate_profile),
    op!("ListFargateProfiles", super::resource_cluster, list_fargate_profiles),
    op!("DeleteFargateProfile", resource_fargate, delete_fargate_profile),
];

fn ng_arn(c: &Cluster, name: &str, id: &str) -> String {
    format!("arn:aws:eks:{}:{}:nodegroup/{}/{name}/{id}", c.region, c.account, c.name)
}

fn resource_nodegroup(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let cluster = s(input, "clusterName").unwrap_or_default();
    let name = s(input, "nodegroupName").unwrap_or_default();
    let key = keys::nodegroup(ctx.account(), &region(ctx), cluster, name);
    Ok(match ctx.tx.get_json::<Nodegroup>(&key).map_err(error::store)? {
        Some(n) => n.arn,
        None => format!("arn:aws:eks:{}:{}:nodegroup/{cluster}/{name}/*", ctx.facts.region, ctx.account()),
    })
}

fn resource_fargate(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    let cluster = s(input, "clusterName").unwrap_or_default();
    let name = s(input, "fargateProfileName").unwrap_or_default();
    let key = keys::fargate(ctx.account(), &region(ctx), cluster, name);
    Ok(match ctx.tx.get_json::<FargateProfile>(&key).map_err(error::store)? {
        Some(f) => f.arn,
        None => format!("arn:aws:eks:{}:{}:fargateprofile/{cluster}/{name}/*", ctx.facts.region, ctx.account()),
    })
}

/// The node roles of a cluster's node groups.
pub fn node_roles(ctx: &mut Ctx<'_>, cluster: &str) -> Result<Vec<String>> {
    let key = keys::nodegroups(ctx.account(), &region(ctx), cluster);
    let mut roles: Vec<String> =
        ctx.tx.list_json::<Nodegroup>(&key).map_err(error::store)?.into_iter().map(|(_, n)| n.node_role).collect();
    roles.sort();
    roles.dedup();
    Ok(roles)
}

fn with_status(body: &Value, status: &str) -> Value {
    let mut b = body.clone();
    b["status"] = json!(status);
    b
}

/// CreateNodegroup.
pub fn create_nodegroup(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let c = super::clusters::load(ctx, req(i, "clusterName")?)?;
    let name = req(i, "nodegroupName")?.to_owned();
    check_name("nodegroupName", &name)?;
    let node_role = req(i, "nodeRole")?.to_owned();
    let key = keys::nodegroup(&c.account, &c.region, &c.name, &name);
    if ctx.tx.get(&key).map_err(error::store)?.is_some() {
        return Err(error::resource_in_use(format!(
            "NodeGroup already exists with name {name} and cluster name {}",
            c.name
        )));
    }
    let t = now(ctx);
    let arn = ng_arn(&c, &name, &uuid());
    let scaling = i.get("scalingConfig").cloned().unwrap_or(json!({"minSize": 1, "maxSize": 2, "desiredSize": 2}));
    let body = json!({
        "nodegroupName": name,
        "nodegroupArn": arn,
        "clusterName": c.name,
        "version": s(i, "version").unwrap_or(&c.version),
        "releaseVersion": format!("{}.0-20261101", s(i, "version").unwrap_or(&c.version)),
        "createdAt": t,
        "modifiedAt": t,
        "capacityType": s(i, "capacityType").unwrap_or("ON_DEMAND"),
        "scalingConfig": scaling,
        "instanceTypes": i.get("instanceTypes").cloned().unwrap_or(json!(["t3.medium"])),
        "subnets": i.get("subnets").cloned().unwrap_or(json!([])),
        "amiType": s(i, "amiType").unwrap_or("AL2023_x86_64_STANDARD"),
        "nodeRole": node_role,
        "labels": i.get("labels").cloned().unwrap_or(json!({})),
        "taints": i.get("taints").cloned().unwrap_or(json!([])),
        "diskSize": i.get("diskSize").cloned().unwrap_or(json!(20)),
        "health": {"issues": []},
        "updateConfig": i.get("updateConfig").cloned().unwrap_or(json!({"maxUnavailable": 1})),
        "tags": i.get("tags").cloned().unwrap_or(json!({})),
    });
    let ng = Nodegroup {
        name,
        cluster: c.name.clone(),
        arn,
        node_role: node_role.clone(),
        created_at: t,
        body: body.clone(),
    };
    ctx.tx.put_json(&key, &ng).map_err(error::store)?;
    // EKS maps the node role: an EC2_LINUX access entry when the mode includes API.
    if c.authentication_mode != "CONFIG_MAP" {
        super::access::node_role_entry(ctx, &c, &node_role, "EC2_LINUX")?;
    }
    Ok(json!({ "nodegroup": with_status(&body, "CREATING") }))
}

fn load_ng(ctx: &mut Ctx<'_>, input: &Value) -> Result<(Cluster, Nodegroup)> {
    let c = super::clusters::load(ctx, req(input, "clusterName")?)?;
    let name = req(input, "nodegroupName")?;
    let key = keys::nodegroup(&c.account, &c.region, &c.name, name);
    let ng = ctx
        .tx
        .get_json::<Nodegroup>(&key)
        .map_err(error::store)?
        .ok_or_else(|| error::resource_not_found(format!("No node group found for name: {name}.")))?;
    Ok((c, ng))
}

/// DescribeNodegroup.
pub fn describe_nodegroup(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (_, ng) = load_ng(ctx, a.input())?;
    Ok(json!({ "nodegroup": with_status(&ng.body, "ACTIVE") }))
}

/// ListNodegroups.
pub fn list_nodegroups(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = super::clusters::load(ctx, req(a.input(), "clusterName")?)?;
    let prefix = keys::nodegroups(&c.account, &c.region, &c.name);
    let names: Vec<String> = ctx
        .tx
        .scan(&prefix, None, usize::MAX)
        .map_err(error::store)?
        .into_iter()
        .map(|(k, _)| k[prefix.len()..].to_owned())
        .collect();
    let (names, token) = page(names, Clone::clone, a.input())?;
    let mut out = json!({ "nodegroups": names });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// DeleteNodegroup.
pub fn delete_nodegroup(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (c, ng) = load_ng(ctx, a.input())?;
    ctx.tx.delete(&keys::nodegroup(&c.account, &c.region, &c.name, &ng.name)).map_err(error::store)?;
    Ok(json!({ "nodegroup": with_status(&ng.body, "DELETING") }))
}

/// CreateFargateProfile.
pub fn create_fargate_profile(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let c = super::clusters::load(ctx, req(i, "clusterName")?)?;
    let name = req(i, "fargateProfileName")?.to_owned();
    check_name("fargateProfileName", &name)?;
    let role = req(i, "podExecutionRoleArn")?.to_owned();
    let key = keys::fargate(&c.account, &c.region, &c.name, &name);
    if ctx.tx.get(&key).map_err(error::store)?.is_some() {
        return Err(error::resource_in_use("A Fargate Profile already exists with this name in this cluster."));
    }
    let t = now(ctx);
    let arn = format!("arn:aws:eks:{}:{}:fargateprofile/{}/{name}/{}", c.region, c.account, c.name, uuid());
    let body = json!({
        "fargateProfileName": name,
        "fargateProfileArn": arn,
        "clusterName": c.name,
        "createdAt": t,
        "podExecutionRoleArn": role,
        "subnets": i.get("subnets").cloned().unwrap_or(json!([])),
        "selectors": i.get("selectors").cloned().unwrap_or(json!([])),
        "tags": i.get("tags").cloned().unwrap_or(json!({})),
        "health": {"issues": []},
    });
    let p = FargateProfile {
        name,
        cluster: c.name.clone(),
        arn,
        pod_execution_role: role.clone(),
        created_at: t,
        body: body.clone(),
    };
    ctx.tx.put_json(&key, &p).map_err(error::store)?;
    if c.authentication_mode != "CONFIG_MAP" {
        super::access::node_role_entry(ctx, &c, &role, "FARGATE_LINUX")?;
    }
    Ok(json!({ "fargateProfile": with_status(&body, "CREATING") }))
}

fn load_fp(ctx: &mut Ctx<'_>, input: &Value) -> Result<(Cluster, FargateProfile)> {
    let c = super::clusters::load(ctx, req(input, "clusterName")?)?;
    let name = req(input, "fargateProfileName")?;
    let key = keys::fargate(&c.account, &c.region, &c.name, name);
    let p = ctx
        .tx
        .get_json::<FargateProfile>(&key)
        .map_err(error::store)?
        .ok_or_else(|| error::resource_not_found(format!("No Fargate Profile found with name: {name}.")))?;
    Ok((c, p))
}

/// DescribeFargateProfile.
pub fn describe_fargate_profile(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (_, p) = load_fp(ctx, a.input())?;
    Ok(json!({ "fargateProfile": with_status(&p.body, "ACTIVE") }))
}

/// ListFargateProfiles.
pub fn list_fargate_profiles(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let c = super::clusters::load(ctx, req(a.input(), "clusterName")?)?;
    let prefix = keys::fargates(&c.account, &c.region, &c.name);
    let names: Vec<String> = ctx
        .tx
        .scan(&prefix, None, usize::MAX)
        .map_err(error::store)?
        .into_iter()
        .map(|(k, _)| k[prefix.len()..].to_owned())
        .collect();
    let (names, token) = page(names, Clone::clone, a.input())?;
    let mut out = json!({ "fargateProfileNames": names });
    if let Some(t) = token {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

/// DeleteFargateProfile.
pub fn delete_fargate_profile(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let (c, p) = load_fp(ctx, a.input())?;
    ctx.tx.delete(&keys::fargate(&c.account, &c.region, &c.name, &p.name)).map_err(error::store)?;
    Ok(json!({ "fargateProfile": with_status(&p.body, "DELETING") }))
}
