//! Who asks, and what may they do: impersonation headers, and the create-only review APIs
//! (SelfSubjectReview, SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview,
//! LocalSubjectAccessReview, TokenReview; kube-apiserver.md §7). Reviews store nothing and answer
//! 201 with the request echoed and `status` filled in.

use crate::crud::Ctx;
use crate::resources::ResourceDef;
use crate::status::{forbidden, ApiError, FieldError, Result};
use crate::{Attributes, Authorizer, KubeRequest, KubeResponse, UserInfo, Verdict};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const AUTHENTICATED: &str = "system:authenticated";
const UNAUTHENTICATED: &str = "system:unauthenticated";
const ANONYMOUS: &str = "system:anonymous";

fn impersonate_attrs(group: &str, resource: &str, subresource: &str, namespace: &str, name: &str) -> Attributes {
    Attributes {
        verb: "impersonate".into(),
        resource_request: true,
        api_group: group.into(),
        api_version: "v1".into(),
        namespace: namespace.into(),
        resource: resource.into(),
        subresource: subresource.into(),
        name: name.into(),
        ..Default::default()
    }
}

/// The user a request acts as: itself, or whom its `Impersonate-*` headers name once the
/// authorizer allowed `impersonate` on each (apiserver `WithImpersonation`).
pub(crate) fn impersonate(
    user: &UserInfo,
    authz: &dyn Authorizer,
    req: &KubeRequest,
) -> Result<UserInfo, KubeResponse> {
    let mut username = None;
    let mut groups = Vec::new();
    let mut uid = None;
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &req.headers {
        match k.as_str() {
            "impersonate-user" => username = Some(v.clone()),
            "impersonate-group" => groups.push(v.clone()),
            "impersonate-uid" => uid = Some(v.clone()),
            _ => {
                if let Some(key) = k.strip_prefix("impersonate-extra-") {
                    let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy().to_lowercase();
                    extra.entry(key).or_default().push(v.clone());
                }
            }
        }
    }
    let Some(username) = username else {
        if groups.is_empty() && extra.is_empty() && uid.is_none() {
            return Ok(user.clone());
        }
        return Err(ApiError::Internal(
            "requested impersonation of groups, extra or uid without impersonating a user".into(),
        )
        .into_response());
    };
    let check = |attrs: Attributes| -> Result<(), KubeResponse> {
        let d = authz.authorize(user, &attrs);
        if d.allowed() {
            Ok(())
        } else {
            Err(forbidden(&user.username, &attrs, &d.reason))
        }
    };
    let sa = username.strip_prefix("system:serviceaccount:").and_then(|rest| rest.split_once(':'));
    match sa {
        Some((ns, name)) => check(impersonate_attrs("", "serviceaccounts", "", ns, name))?,
        None => check(impersonate_attrs("", "users", "", "", &username))?,
    }
    for g in &groups {
        check(impersonate_attrs("", "groups", "", "", g))?;
    }
    for (k, values) in &extra {
        for v in values {
            check(impersonate_attrs("authentication.k8s.io", "userextras", k, "", v))?;
        }
    }
    if let Some(u) = &uid {
        check(impersonate_attrs("authentication.k8s.io", "uids", "", "", u))?;
    }
    if let Some((ns, _)) = sa {
        if groups.is_empty() {
            groups = vec!["system:serviceaccounts".into(), format!("system:serviceaccounts:{ns}")];
        }
    }
    if username != ANONYMOUS {
        if !groups.iter().any(|g| g == AUTHENTICATED || g == UNAUTHENTICATED) {
            groups.push(AUTHENTICATED.into());
        }
    } else if !groups.iter().any(|g| g == UNAUTHENTICATED) {
        groups.push(UNAUTHENTICATED.into());
    }
    Ok(UserInfo { username, uid: uid.unwrap_or_default(), groups, extra })
}

/// `status.userInfo` / `status.user` as Go marshals `UserInfo` (every field `omitempty`).
fn user_json(u: &UserInfo) -> Value {
    let mut m = Map::new();
    if !u.username.is_empty() {
        m.insert("username".into(), json!(u.username));
    }
    if !u.uid.is_empty() {
        m.insert("uid".into(), json!(u.uid));
    }
    if !u.groups.is_empty() {
        m.insert("groups".into(), json!(u.groups));
    }
    if !u.extra.is_empty() {
        m.insert("extra".into(), json!(u.extra));
    }
    Value::Object(m)
}

fn answer(def: &ResourceDef, spec: Option<Value>, status: Value, namespace: Option<&str>) -> KubeResponse {
    let mut meta = json!({"creationTimestamp": null});
    if let Some(ns) = namespace {
        meta["namespace"] = json!(ns);
    }
    let mut body = json!({"kind": def.kind, "apiVersion": def.api_version(), "metadata": meta});
    if let Some(spec) = spec {
        body["spec"] = spec;
    }
    body["status"] = status;
    KubeResponse::json_value(201, &body)
}

fn invalid(def: &ResourceDef, errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid { kind: def.kind.into(), group: def.group.into(), name: String::new(), errors }
}

/// The attributes a (Self|Local)SubjectAccessReview spec asks about.
fn spec_attributes(def: &ResourceDef, spec: &Value) -> Result<Attributes> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    match (spec.get("resourceAttributes"), spec.get("nonResourceAttributes")) {
        (Some(r), None) => Ok(Attributes {
            verb: s(r, "verb"),
            resource_request: true,
            api_group: s(r, "group"),
            api_version: s(r, "version"),
            namespace: s(r, "namespace"),
            resource: s(r, "resource"),
            subresource: s(r, "subresource"),
            name: s(r, "name"),
            ..Default::default()
        }),
        (None, Some(n)) => Ok(Attributes { verb: s(n, "verb"), path: s(n, "path"), ..Default::default() }),
        (Some(_), Some(_)) => Err(invalid(
            def,
            vec![FieldError::invalid(
                "spec.nonResourceAttributes",
                "",
                "cannot be specified in combination with resourceAttributes",
            )],
        )),
        (None, None) => Err(invalid(
            def,
            vec![FieldError::invalid(
                "spec.resourceAttributes",
                "",
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )],
        )),
    }
}

fn access_status(authz: &dyn Authorizer, user: &UserInfo, attrs: &Attributes) -> Value {
    let d = authz.authorize(user, attrs);
    let mut status = json!({"allowed": d.allowed()});
    if d.verdict == Verdict::Deny {
        status["denied"] = json!(true);
    }
    if !d.reason.is_empty() {
        status["reason"] = json!(d.reason);
    }
    status
}

/// The user a SubjectAccessReview spec names.
fn spec_user(spec: &Value) -> UserInfo {
    let s = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let groups = spec
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let extra = spec
        .get("extra")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let vals = v
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default();
                    (k.clone(), vals)
                })
                .collect()
        })
        .unwrap_or_default();
    UserInfo { username: s("user"), uid: s("uid"), groups, extra }
}

/// Serves `POST` to a review resource.
pub(crate) fn serve(ctx: &Ctx, def: &ResourceDef, ns: &str) -> Result<KubeResponse> {
    let body = if ctx.req.body.is_empty() { json!({}) } else { ctx.body()? };
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    match def.resource {
        "selfsubjectreviews" => Ok(answer(def, None, json!({"userInfo": user_json(ctx.user)}), None)),
        "selfsubjectaccessreviews" => {
            let attrs = spec_attributes(def, &spec)?;
            Ok(answer(def, Some(spec), access_status(ctx.authz, ctx.user, &attrs), None))
        }
        "subjectaccessreviews" | "localsubjectaccessreviews" => {
            let user = spec_user(&spec);
            if user.username.is_empty() && user.groups.is_empty() {
                return Err(invalid(
                    def,
                    vec![FieldError::invalid("spec.user", "", "at least one of user or group must be specified")],
                ));
            }
            let mut spec = spec;
            let mut attrs = spec_attributes(def, &spec)?;
            let local = def.resource == "localsubjectaccessreviews";
            if local {
                if !attrs.resource_request {
                    return Err(invalid(
                        def,
                        vec![FieldError::invalid(
                            "spec.nonResourceAttributes",
                            "",
                            "disallowed on this kind of request",
                        )],
                    ));
                }
                if attrs.namespace.is_empty() {
                    attrs.namespace = ns.to_owned();
                    spec["resourceAttributes"]["namespace"] = json!(ns);
                } else if attrs.namespace != ns {
                    return Err(ApiError::BadRequest(format!(
                        "spec.resourceAttributes.namespace must match namespace: {ns}"
                    )));
                }
            }
            let status = access_status(ctx.authz, &user, &attrs);
            Ok(answer(def, Some(spec), status, local.then_some(ns)))
        }
        "selfsubjectrulesreviews" => {
            let namespace = spec.get("namespace").and_then(Value::as_str).unwrap_or_default();
            if namespace.is_empty() {
                return Err(ApiError::BadRequest("no namespace on request".into()));
            }
            let rules = ctx.authz.rules(ctx.user, namespace).unwrap_or_else(|| crate::RulesReview {
                incomplete: true,
                evaluation_error: "rule resolution is not supported by this authorizer".into(),
                ..Default::default()
            });
            let mut status = json!({
                "resourceRules": rules.resource_rules,
                "nonResourceRules": rules.non_resource_rules,
                "incomplete": rules.incomplete,
            });
            if !rules.evaluation_error.is_empty() {
                status["evaluationError"] = json!(rules.evaluation_error);
            }
            Ok(answer(def, Some(spec), status, None))
        }
        "tokenreviews" => {
            let token = spec.get("token").and_then(Value::as_str).unwrap_or_default();
            if token.is_empty() {
                return Err(ApiError::BadRequest("token is required for TokenReview in authentication".into()));
            }
            let audiences: Vec<String> = spec
                .get("audiences")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let status = match ctx.authz.review_token(token, &audiences) {
                Ok(u) => {
                    let mut s = json!({"authenticated": true, "user": user_json(&u)});
                    if !audiences.is_empty() {
                        s["audiences"] = json!(audiences);
                    }
                    s
                }
                Err(e) => json!({"user": {}, "error": e}),
            };
            // The token is a secret: it is not echoed back.
            let mut spec = spec;
            if let Some(m) = spec.as_object_mut() {
                m.remove("token");
            }
            Ok(answer(def, Some(spec), status, None))
        }
        _ => Err(ApiError::MethodNotSupported { gr: def.gr(), verb: "create".into() }),
    }
}
