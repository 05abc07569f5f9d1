//! Resource requests: routing by the catalog, then create, get, list, update, patch, delete,
//! deletecollection and the status/scale/finalize subresources with kube-apiserver's semantics
//! (kube-apiserver.md §8): optimistic concurrency, namespaces that must exist, server-owned
//! metadata, per-kind defaults, finalizers, namespace deletion, dry runs.

use crate::attrs::{request_attributes, Query};
use crate::objects::{self, meta_mut, meta_str, name_of, new_uid, rfc3339, validate_meta, Writer, MODIFIED_CONFLICT};
use crate::resources::{self, ResourceDef, Serving, RESOURCES};
use crate::selectors::{field_value, FieldSelector, LabelSelector};
use crate::status::{self, ApiError, FieldError, GroupResource, Result, StatusDetails};
use crate::table::{self, IncludeObject, TableMode};
use crate::{
    apply, defaults, escalation, patch, protobuf, review, watch, Authorizer, ClusterInfo, KubeRequest, KubeResponse,
    UserInfo,
};
use base64::Engine;
use eksim_store::Store;
use serde_json::{json, Value};
use time::OffsetDateTime;

/// Everything one request handler needs.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub cluster: &'a ClusterInfo,
    pub user: &'a UserInfo,
    pub authz: &'a dyn Authorizer,
    pub req: &'a KubeRequest,
    pub now: OffsetDateTime,
    pub query: Query,
}

impl<'a> Ctx<'a> {
    pub fn new(
        store: &'a Store,
        cluster: &'a ClusterInfo,
        user: &'a UserInfo,
        authz: &'a dyn Authorizer,
        req: &'a KubeRequest,
        now: OffsetDateTime,
    ) -> Self {
        Self { store, cluster, user, authz, req, now, query: Query::parse(&req.query) }
    }

    pub fn accept(&self) -> &str {
        self.req.header("accept").unwrap_or_default()
    }

    /// Table output, when the Accept header asks for it first.
    pub fn table_mode(&self) -> Result<Option<TableMode>> {
        let Some(version) = table::wanted_table(self.accept()) else { return Ok(None) };
        let include = match self.query.get("includeObject") {
            None | Some("") | Some("Metadata") => IncludeObject::Metadata,
            Some("Object") => IncludeObject::Object,
            Some("None") => IncludeObject::None,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "includeObject: Unsupported value: {}: supported values: \"Metadata\", \"None\", \"Object\"",
                    status::go_quote(other)
                )))
            }
        };
        Ok(Some(TableMode { version, include }))
    }

    /// `?fieldManager=`, else the User-Agent up to its first `/` (apiserver `prefixFromUserAgent`).
    pub fn field_manager(&self) -> String {
        match self.query.get("fieldManager") {
            Some(m) if !m.is_empty() => m.to_owned(),
            _ => {
                let ua = self.req.header("user-agent").unwrap_or("unknown");
                ua.split('/').next().unwrap_or("unknown").chars().take(128).collect()
            }
        }
    }

    /// `dryRun=All` in the query, or, for a DELETE, `"dryRun":["All"]` in its `DeleteOptions` body
    /// (where `kubectl delete --dry-run=server` puts it).
    pub fn dry_run(&self) -> bool {
        if self.query.get("dryRun") == Some("All") {
            return true;
        }
        if !self.req.method.eq_ignore_ascii_case("DELETE") || self.req.body.is_empty() {
            return false;
        }
        serde_json::from_slice::<Value>(&self.req.body)
            .ok()
            .and_then(|opts| opts.get("dryRun").and_then(Value::as_array).cloned())
            .is_some_and(|d| d.iter().any(|v| v == "All"))
    }

    fn content_type(&self) -> String {
        let ct = self.req.header("content-type").unwrap_or_default();
        ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
    }

    /// The request body as JSON (protobuf and YAML bodies decoded).
    pub fn body(&self) -> Result<Value> {
        match self.content_type().as_str() {
            "application/vnd.kubernetes.protobuf" => protobuf::decode(&self.req.body),
            "application/yaml" => parse_yaml_or_json(&self.req.body),
            _ => serde_json::from_slice(&self.req.body)
                .map_err(|e| ApiError::BadRequest(format!("couldn't get version/kind; json parse error: {e}"))),
        }
    }
}

/// JSON text is YAML too; kubectl sends JSON even as `application/apply-patch+yaml`.
pub(crate) fn parse_yaml_or_json(body: &[u8]) -> Result<Value> {
    if let Ok(v) = serde_json::from_slice(body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(body).map_err(|e| ApiError::BadRequest(format!("body is not UTF-8: {e}")))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::BadRequest(format!("error converting YAML to JSON: {e}")))
}

/// Serves a resource request (already authorized).
pub(crate) fn serve(ctx: &Ctx) -> Result<KubeResponse> {
    let req = ctx.req;
    // Path-only attributes: the name comes from the URL, not from a metadata.name field selector.
    let a = request_attributes(&req.method, &req.path, "");
    let def = resources::find(&a.api_group, &a.api_version, &a.resource).ok_or(ApiError::NoRoute)?;
    let is_ns_resource = def.group.is_empty() && def.resource == "namespaces";
    if !def.namespaced && !a.namespace.is_empty() && !is_ns_resource {
        return Err(ApiError::NoRoute);
    }
    let ns = if def.namespaced { a.namespace.clone() } else { String::new() };
    let name = a.name.clone();
    if def.namespaced && ns.is_empty() && !name.is_empty() {
        return Err(ApiError::NoRoute);
    }
    if !a.subresource.is_empty() {
        return subresource(ctx, def, &ns, &name, &a.subresource);
    }
    let method = req.method.to_ascii_uppercase();
    let verb = match (method.as_str(), name.is_empty()) {
        ("GET" | "HEAD", false) => "get",
        ("GET" | "HEAD", true) => {
            if a.verb == "watch" || ctx.query.watch() {
                "watch"
            } else {
                "list"
            }
        }
        ("POST", true) => "create",
        ("PUT", false) => "update",
        ("PATCH", false) => "patch",
        ("DELETE", false) => "delete",
        ("DELETE", true) => "deletecollection",
        _ => return Err(ApiError::MethodNotAllowed),
    };
    if def.namespaced && ns.is_empty() && !matches!(verb, "list" | "watch") {
        return Err(ApiError::MethodNotAllowed);
    }
    if !def.verbs.contains(&verb) || def.serving == Serving::Virtual {
        return Err(ApiError::MethodNotSupported { gr: def.gr(), verb: verb.into() });
    }
    if def.serving == Serving::Review {
        return review::serve(ctx, def, &ns);
    }
    match verb {
        "get" => get(ctx, def, &ns, &name),
        "list" => list(ctx, def, &ns),
        "watch" => watch::start(ctx, def, &ns),
        "create" => create(ctx, def, &ns),
        "update" => update(ctx, def, &ns, &name),
        "patch" => patch_object(ctx, def, &ns, &name),
        "delete" => delete(ctx, def, &ns, &name),
        _ => delete_collection(ctx, def, &ns),
    }
}

/// An object answer: the object, or a one-row Table.
pub(crate) fn object_response(ctx: &Ctx, def: &ResourceDef, obj: &Value, code: u16) -> Result<KubeResponse> {
    if let Some(mode) = ctx.table_mode()? {
        let rv = meta_str(obj, "resourceVersion");
        let t = table::table(def, std::slice::from_ref(obj), json!({"resourceVersion": rv}), ctx.now, mode, true);
        let mut r = KubeResponse::json_value(code, &t);
        r.set_content_type(&mode.content_type());
        return Ok(r);
    }
    Ok(KubeResponse::json_value(code, obj))
}

/// Runs a write; with `dryRun=All` everything is rolled back and the would-be answer returned.
fn write<T>(ctx: &Ctx, f: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
    let dry = ctx.dry_run();
    let mut kept: Option<T> = None;
    let out = ctx.store.write(|tx| {
        let mut w = Writer::new(tx, &ctx.cluster.id);
        let v = f(&mut w)?;
        if dry {
            kept = Some(v);
            return Err(ApiError::Internal("dry run".into()));
        }
        w.finish()?;
        Ok(v)
    });
    match (out, kept) {
        (_, Some(v)) => Ok(v),
        (out, None) => out,
    }
}

pub(crate) fn not_found(def: &ResourceDef, name: &str) -> ApiError {
    ApiError::NotFound { gr: def.gr(), name: name.into() }
}

fn get(ctx: &Ctx, def: &ResourceDef, ns: &str, name: &str) -> Result<KubeResponse> {
    let obj = ctx
        .store
        .read(|tx| Writer::new(tx, &ctx.cluster.id).get(def, ns, name))?
        .ok_or_else(|| not_found(def, name))?;
    object_response(ctx, def, &obj, 200)
}

/// The selectors of a list, watch or deletecollection.
pub(crate) fn selectors(ctx: &Ctx, def: &ResourceDef) -> Result<(LabelSelector, FieldSelector)> {
    let labels =
        LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or_default()).map_err(ApiError::BadRequest)?;
    let fields =
        FieldSelector::parse(ctx.query.get("fieldSelector").unwrap_or_default()).map_err(ApiError::BadRequest)?;
    let res = qualified_resource(def);
    for f in fields.fields() {
        if field_value(&res, &json!({}), f).is_none() {
            return Err(ApiError::BadRequest(format!("field label not supported: {f}")));
        }
    }
    Ok((labels, fields))
}

/// `resource` or `resource.group`, as the field-selector table names kinds.
pub(crate) fn qualified_resource(def: &ResourceDef) -> String {
    def.gr().to_string()
}

pub(crate) fn matches(def: &ResourceDef, labels: &LabelSelector, fields: &FieldSelector, obj: &Value) -> bool {
    labels.matches_object(obj) && (fields.is_empty() || fields.matches(&qualified_resource(def), obj))
}

/// A list item: built-in list items carry no `kind`/`apiVersion`.
fn list_item(mut obj: Value) -> Value {
    if let Some(o) = obj.as_object_mut() {
        o.remove("kind");
        o.remove("apiVersion");
    }
    obj
}

fn list(ctx: &Ctx, def: &ResourceDef, ns: &str) -> Result<KubeResponse> {
    let (labels, fields) = selectors(ctx, def)?;
    let (objs, rev) = ctx.store.read(|tx| {
        let mut w = Writer::new(tx, &ctx.cluster.id);
        let objs = w.list(def, Some(ns))?;
        let rev = w.tx.revision()?;
        Ok::<_, ApiError>((objs, rev))
    })?;
    let mut items: Vec<Value> = objs.into_iter().filter(|o| matches(def, &labels, &fields, o)).collect();
    // Paging: an opaque token naming the last item sent; the rest is read from the current data.
    if let Some(token) = ctx.query.get("continue").filter(|t| !t.is_empty()) {
        let after = decode_continue(token)?;
        items.retain(|o| item_position(o) > after);
    }
    let mut meta = json!({"resourceVersion": rev.to_string()});
    let limit: usize = ctx.query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(0);
    if limit > 0 && items.len() > limit {
        let remaining = items.len() - limit;
        items.truncate(limit);
        if let Some(last) = items.last() {
            meta["continue"] = json!(encode_continue(&item_position(last), rev));
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    if let Some(mode) = ctx.table_mode()? {
        let t = table::table(def, &items, meta, ctx.now, mode, true);
        let mut r = KubeResponse::json_value(200, &t);
        r.set_content_type(&mode.content_type());
        return Ok(r);
    }
    let items: Vec<Value> = items.into_iter().map(list_item).collect();
    Ok(KubeResponse::json_value(
        200,
        &json!({"kind": format!("{}List", def.kind), "apiVersion": def.api_version(), "metadata": meta, "items": items}),
    ))
}

fn item_position(o: &Value) -> String {
    format!("{}/{}", meta_str(o, "namespace"), name_of(o))
}

fn encode_continue(after: &str, rev: i64) -> String {
    let raw = json!({"v": "meta.k8s.io/v1", "rv": rev, "start": after}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_continue(token: &str) -> Result<String> {
    let bad = || {
        ApiError::BadRequest(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".into(),
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    v.get("start").and_then(Value::as_str).map(str::to_owned).ok_or_else(bad)
}

/// Checks `kind`/`apiVersion` of a body and sets them.
pub(crate) fn check_type(def: &ResourceDef, obj: &mut Value) -> Result<()> {
    let Some(o) = obj.as_object_mut() else {
        return Err(ApiError::BadRequest("the body of the request must be a JSON object".into()));
    };
    let want = def.api_version();
    if let Some(av) = o.get("apiVersion").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        if av != want {
            return Err(ApiError::BadRequest(format!(
                "the API version in the data ({av}) does not match the expected API version ({want})"
            )));
        }
    }
    if let Some(k) = o.get("kind").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        if k != def.kind {
            return Err(ApiError::BadRequest(format!(
                "{k} in version \"{}\" cannot be handled as a {}: the object provided is unrecognized (must be of type {})",
                def.version, def.kind, def.kind
            )));
        }
    }
    o.insert("kind".into(), json!(def.kind));
    o.insert("apiVersion".into(), json!(want));
    Ok(())
}

/// Sets `metadata.namespace` from the URL, refusing a body that names another.
pub(crate) fn check_namespace(def: &ResourceDef, ns: &str, obj: &mut Value) -> Result<()> {
    let body_ns = meta_str(obj, "namespace").to_owned();
    let m = meta_mut(obj).ok_or_else(|| ApiError::BadRequest("metadata must be an object".into()))?;
    if def.namespaced {
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        m.insert("namespace".into(), json!(ns));
    } else {
        m.remove("namespace");
    }
    Ok(())
}

const SERVER_OWNED: [&str; 7] = [
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "generation",
];

/// Prepares a new object: generated name, server-owned metadata, defaults; validates it.
pub(crate) fn prepare_create(def: &ResourceDef, obj: &mut Value, now: OffsetDateTime) -> Result<bool> {
    let mut generated = false;
    if name_of(obj).is_empty() {
        let prefix = meta_str(obj, "generateName").to_owned();
        if !prefix.is_empty() {
            let n = objects::generate_name(&prefix);
            if let Some(m) = meta_mut(obj) {
                m.insert("name".into(), json!(n));
            }
            generated = true;
        }
    }
    if let Some(m) = meta_mut(obj) {
        for k in SERVER_OWNED {
            m.remove(k);
        }
        m.insert("uid".into(), json!(new_uid()));
        m.insert("creationTimestamp".into(), json!(rfc3339(now)));
        if def.generation {
            m.insert("generation".into(), json!(1));
        }
    }
    defaults::defaults(def, obj);
    validate_meta(def, obj)?;
    escalation::validate(def, obj, None)?;
    Ok(generated)
}

/// Creates `obj` in the store (namespace checked, name free); returns whether it was generated.
pub(crate) fn insert(
    w: &mut Writer,
    cluster: &ClusterInfo,
    def: &ResourceDef,
    obj: &mut Value,
    generated: bool,
) -> Result<()> {
    let ns = meta_str(obj, "namespace").to_owned();
    let name = name_of(obj).to_owned();
    namespace_exists(w, def, &ns)?;
    if w.get(def, &ns, &name)?.is_some() {
        return Err(ApiError::AlreadyExists { gr: def.gr(), name, generated });
    }
    if def.group.is_empty() && def.resource == "services" {
        defaults::allocate_service(w, &cluster.service_cidr, obj)?;
    }
    w.put(def, obj, None)?;
    if def.group.is_empty() && def.resource == "namespaces" {
        // The service-account controller gives every namespace its `default` ServiceAccount.
        if let Some(sa_def) = resources::find("", "v1", "serviceaccounts") {
            if w.get(sa_def, &name, "default")?.is_none() {
                let mut sa = json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": "default", "namespace": name, "uid": new_uid(),
                                 "creationTimestamp": meta_str(obj, "creationTimestamp")}});
                w.put(sa_def, &mut sa, None)?;
            }
        }
    }
    Ok(())
}

/// A namespaced object needs its namespace (the NamespaceLifecycle admission plugin).
fn namespace_exists(w: &mut Writer, def: &ResourceDef, ns: &str) -> Result<()> {
    if def.namespaced {
        let ns_def = resources::find("", "v1", "namespaces").ok_or(ApiError::NoRoute)?;
        if w.get(ns_def, "", ns)?.is_none() {
            return Err(ApiError::NotFound { gr: GroupResource::new("", "namespaces"), name: ns.into() });
        }
    }
    Ok(())
}

fn create(ctx: &Ctx, def: &ResourceDef, ns: &str) -> Result<KubeResponse> {
    let mut obj = ctx.body()?;
    check_type(def, &mut obj)?;
    check_namespace(def, ns, &mut obj)?;
    // etcd3 storage refuses a create that carries a resourceVersion (one that parses as a non-zero
    // integer), after validation and admission. API clients that post an object read back hit this;
    // kubectl's `create -f` and `apply` clear the version first.
    let rv_set = meta_str(&obj, "resourceVersion").parse::<u64>().is_ok_and(|rv| rv != 0);
    let generated = prepare_create(def, &mut obj, ctx.now)?;
    apply::record_create(&mut obj, &ctx.field_manager(), &def.api_version(), ctx.now);
    let obj = write(ctx, |w| {
        escalation::check(ctx, w, def, &obj, None)?;
        if rv_set {
            namespace_exists(w, def, ns)?;
            return Err(ApiError::Unknown("resourceVersion should not be set on objects to be created".into()));
        }
        insert(w, ctx.cluster, def, &mut obj, generated)?;
        Ok(obj)
    })?;
    object_response(ctx, def, &obj, 201)
}

/// Who owns the fields a write changes.
pub(crate) enum Owner<'a> {
    /// An update by this field manager.
    Update(&'a str),
    /// A server-side apply: the `managedFields` it computed.
    Apply(Value),
}

/// Which part of the object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The main resource: status is kept for kinds with a status subresource.
    Main,
    /// The status subresource: only status changes.
    Status,
}

fn without(v: &Value, keys: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    v
}

/// Commits `new` over `old`: server-owned fields carried over, status rules, finalizers,
/// generation, managed fields; an unchanged object is not written (its resourceVersion stays).
pub(crate) fn commit_update(
    w: &mut Writer,
    def: &ResourceDef,
    old: &Value,
    mut new: Value,
    part: Part,
    owner: Owner,
    now: OffsetDateTime,
) -> Result<Value> {
    check_type(def, &mut new)?;
    if let Some(m) = meta_mut(&mut new) {
        for k in [
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "managedFields",
            "resourceVersion",
        ] {
            match old.get("metadata").and_then(|om| om.get(k)) {
                Some(v) => {
                    m.insert(k.into(), v.clone());
                }
                None => {
                    m.remove(k);
                }
            }
        }
    }
    match part {
        Part::Main if def.has_status() => match old.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("status");
                }
            }
        },
        Part::Status => {
            let status = new.get("status").cloned();
            new = old.clone();
            match status {
                Some(s) => new["status"] = s,
                None => {
                    if let Some(o) = new.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
        }
        Part::Main => {}
    }
    defaults::defaults(def, &mut new);
    validate_meta(def, &new)?;
    escalation::validate(def, &new, Some(old))?;
    let deleting = old.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null());
    let finalizers = |v: &Value| -> Vec<Value> {
        v.pointer("/metadata/finalizers").and_then(Value::as_array).cloned().unwrap_or_default()
    };
    if deleting {
        let added: Vec<Value> = finalizers(&new).into_iter().filter(|f| !finalizers(old).contains(f)).collect();
        if !added.is_empty() {
            let list: Vec<String> = added.iter().map(|f| status::go_quote(f.as_str().unwrap_or_default())).collect();
            return Err(ApiError::Invalid {
                kind: def.kind.into(),
                group: def.group.into(),
                name: name_of(old).into(),
                errors: vec![FieldError::forbidden(
                    "metadata.finalizers",
                    &format!(
                        "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                        list.join(", ")
                    ),
                )],
            });
        }
    }
    if def.group.is_empty() && def.resource == "services" {
        // clusterIP and its companions are immutable and allocated: a PUT without them keeps them.
        for k in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"] {
            if let (None, Some(v)) = (new.pointer(&format!("/spec/{k}")), old.pointer(&format!("/spec/{k}"))) {
                new["spec"][k] = v.clone();
            }
        }
    }
    let unchanged = match &owner {
        Owner::Update(_) => new == *old,
        Owner::Apply(mf) => new == *old && apply::same_ownership(old.pointer("/metadata/managedFields"), mf),
    };
    if unchanged {
        return Ok(old.clone());
    }
    if def.generation && without(&new, &["metadata", "status"]) != without(old, &["metadata", "status"]) {
        let g = old.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0) + 1;
        if let Some(m) = meta_mut(&mut new) {
            m.insert("generation".into(), json!(g));
        }
    }
    match owner {
        Owner::Update(manager) => {
            apply::record_update(old, &mut new, manager, &def.api_version(), now, part == Part::Status)
        }
        Owner::Apply(mf) => {
            if let Some(m) = meta_mut(&mut new) {
                if mf.as_array().is_some_and(|a| !a.is_empty()) {
                    m.insert("managedFields".into(), mf);
                } else {
                    m.remove("managedFields");
                }
            }
        }
    }
    if deleting && finalizers(&new).is_empty() {
        w.remove(def, &mut new)?;
        return Ok(new);
    }
    w.put(def, &mut new, Some(old))?;
    Ok(new)
}

fn update(ctx: &Ctx, def: &ResourceDef, ns: &str, name: &str) -> Result<KubeResponse> {
    let mut obj = ctx.body()?;
    check_type(def, &mut obj)?;
    check_name(&obj, name)?;
    check_namespace(def, ns, &mut obj)?;
    if let Some(m) = meta_mut(&mut obj) {
        m.insert("name".into(), json!(name));
    }
    let manager = ctx.field_manager();
    let (obj, code) = write(ctx, |w| {
        let Some(old) = w.get(def, ns, name)? else {
            if !def.create_on_update {
                return Err(not_found(def, name));
            }
            let mut obj = obj.clone();
            prepare_create(def, &mut obj, ctx.now)?;
            apply::record_create(&mut obj, &manager, &def.api_version(), ctx.now);
            escalation::check(ctx, w, def, &obj, None)?;
            insert(w, ctx.cluster, def, &mut obj, false)?;
            return Ok((obj, 201));
        };
        check_rv(def, &obj, &old)?;
        escalation::check(ctx, w, def, &obj, Some(&old))?;
        Ok((commit_update(w, def, &old, obj.clone(), Part::Main, Owner::Update(&manager), ctx.now)?, 200))
    })?;
    object_response(ctx, def, &obj, code)
}

pub(crate) fn check_name(obj: &Value, name: &str) -> Result<()> {
    let body_name = name_of(obj);
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    Ok(())
}

/// Optimistic concurrency: a non-empty `resourceVersion` must be the stored one.
pub(crate) fn check_rv(def: &ResourceDef, new: &Value, old: &Value) -> Result<()> {
    let rv = meta_str(new, "resourceVersion");
    if !rv.is_empty() && rv != meta_str(old, "resourceVersion") {
        return Err(ApiError::Conflict { gr: def.gr(), name: name_of(old).into(), detail: MODIFIED_CONFLICT.into() });
    }
    Ok(())
}

/// A non-apply patch of `old`: the patched object, its `resourceVersion` a precondition.
pub(crate) fn patched(ctx: &Ctx, def: &ResourceDef, old: &Value, body: &[u8]) -> Result<Value> {
    let ct = ctx.content_type();
    let patch_doc: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
    let mut new = old.clone();
    match ct.as_str() {
        "application/json-patch+json" => patch::json_patch(&mut new, &patch_doc).map_err(|e| ApiError::Invalid {
            kind: def.kind.into(),
            group: def.group.into(),
            name: name_of(old).into(),
            errors: vec![FieldError::invalid("patch", &patch_doc.to_string(), &e)],
        })?,
        "application/merge-patch+json" => patch::merge_patch(&mut new, &patch_doc),
        "application/strategic-merge-patch+json" => {
            new = patch::strategic_merge(def.kind, old, &patch_doc).map_err(ApiError::BadRequest)?
        }
        other => return Err(ApiError::UnsupportedMediaType(other.into())),
    }
    let rv = meta_str(&new, "resourceVersion");
    if !rv.is_empty() && rv != meta_str(old, "resourceVersion") {
        return Err(ApiError::Conflict { gr: def.gr(), name: name_of(old).into(), detail: MODIFIED_CONFLICT.into() });
    }
    if name_of(&new) != name_of(old) {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({}) does not match the name on the URL ({})",
            name_of(&new),
            name_of(old)
        )));
    }
    Ok(new)
}

fn patch_object(ctx: &Ctx, def: &ResourceDef, ns: &str, name: &str) -> Result<KubeResponse> {
    if ctx.content_type() == "application/apply-patch+yaml" {
        return apply::server_side_apply(ctx, def, ns, name);
    }
    let manager = ctx.field_manager();
    let obj = write(ctx, |w| {
        let old = w.get(def, ns, name)?.ok_or_else(|| not_found(def, name))?;
        let new = patched(ctx, def, &old, &ctx.req.body)?;
        escalation::check(ctx, w, def, &new, Some(&old))?;
        commit_update(w, def, &old, new, Part::Main, Owner::Update(&manager), ctx.now)
    })?;
    object_response(ctx, def, &obj, 200)
}

/// `DeleteOptions.preconditions`.
fn check_preconditions(def: &ResourceDef, ctx: &Ctx, obj: &Value) -> Result<()> {
    if ctx.req.body.is_empty() {
        return Ok(());
    }
    let Ok(opts) = serde_json::from_slice::<Value>(&ctx.req.body) else { return Ok(()) };
    let conflict = |detail: String| ApiError::Conflict { gr: def.gr(), name: name_of(obj).into(), detail };
    if let Some(uid) = opts.pointer("/preconditions/uid").and_then(Value::as_str) {
        let have = meta_str(obj, "uid");
        if uid != have {
            return Err(conflict(format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
            )));
        }
    }
    if let Some(rv) = opts.pointer("/preconditions/resourceVersion").and_then(Value::as_str) {
        let have = meta_str(obj, "resourceVersion");
        if rv != have {
            return Err(conflict(format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {have}"
            )));
        }
    }
    Ok(())
}

/// Deletes one object: finalizers mark it, namespaces take their contents with them.
pub(crate) fn delete_object(
    w: &mut Writer,
    def: &ResourceDef,
    mut obj: Value,
    now: OffsetDateTime,
) -> Result<(Value, bool)> {
    let has_finalizers = obj.pointer("/metadata/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty());
    if has_finalizers {
        if obj.pointer("/metadata/deletionTimestamp").is_none() {
            let old = obj.clone();
            if let Some(m) = meta_mut(&mut obj) {
                m.insert("deletionTimestamp".into(), json!(rfc3339(now)));
                m.insert("deletionGracePeriodSeconds".into(), json!(0));
            }
            w.put(def, &mut obj, Some(&old))?;
        }
        return Ok((obj, false));
    }
    if def.group.is_empty() && def.resource == "namespaces" {
        let ns = name_of(&obj).to_owned();
        for inner in RESOURCES.iter().filter(|r| r.namespaced && r.serving == Serving::Stored) {
            for mut o in w.list(inner, Some(&ns))? {
                w.remove(inner, &mut o)?;
            }
        }
        if let Some(m) = meta_mut(&mut obj) {
            m.insert("deletionTimestamp".into(), json!(rfc3339(now)));
        }
        obj["spec"] = json!({"finalizers": ["kubernetes"]});
        obj["status"]["phase"] = json!("Terminating");
        w.remove(def, &mut obj)?;
        return Ok((obj, false));
    }
    w.remove(def, &mut obj)?;
    Ok((obj, true))
}

fn delete(ctx: &Ctx, def: &ResourceDef, ns: &str, name: &str) -> Result<KubeResponse> {
    if def.group.is_empty() && def.resource == "namespaces" && matches!(name, "default" | "kube-system" | "kube-public")
    {
        return Err(ApiError::Forbidden {
            gr: def.gr(),
            name: name.into(),
            reason: "this namespace may not be deleted".into(),
        });
    }
    let (obj, gone) = write(ctx, |w| {
        let obj = w.get(def, ns, name)?.ok_or_else(|| not_found(def, name))?;
        check_preconditions(def, ctx, &obj)?;
        delete_object(w, def, obj, ctx.now)
    })?;
    if gone {
        return Ok(status::success(StatusDetails {
            name: name.into(),
            group: def.group.into(),
            kind: def.resource.into(),
            uid: meta_str(&obj, "uid").into(),
            ..Default::default()
        }));
    }
    object_response(ctx, def, &obj, 200)
}

fn delete_collection(ctx: &Ctx, def: &ResourceDef, ns: &str) -> Result<KubeResponse> {
    let (labels, fields) = selectors(ctx, def)?;
    let (items, rev) = write(ctx, |w| {
        let mut out = Vec::new();
        for obj in w.list(def, Some(ns))? {
            if matches(def, &labels, &fields, &obj) {
                out.push(delete_object(w, def, obj, ctx.now)?.0);
            }
        }
        let rev = w.tx.revision()?;
        Ok((out, rev))
    })?;
    let items: Vec<Value> = items.into_iter().map(list_item).collect();
    Ok(KubeResponse::json_value(
        200,
        &json!({"kind": format!("{}List", def.kind), "apiVersion": def.api_version(),
                "metadata": {"resourceVersion": rev.to_string()}, "items": items}),
    ))
}

/// The autoscaling/v1 Scale of a scalable object.
fn scale_of(obj: &Value) -> Value {
    let mut meta = serde_json::Map::new();
    for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
        if let Some(v) = obj.get("metadata").and_then(|m| m.get(k)) {
            meta.insert(k.into(), v.clone());
        }
    }
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .or_else(|| obj.pointer("/spec/selector"))
        .and_then(Value::as_object)
        .map(|m| {
            let mut pairs: Vec<String> =
                m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
            pairs.sort();
            pairs.join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
        "spec": {"replicas": obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0)},
        "status": {"replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0), "selector": selector},
    })
}

/// `POST …/serviceaccounts/{name}/token`: a TokenRequest answered with a token the server's
/// authenticator accepts (kube-apiserver's TokenRequest API).
fn token_request(ctx: &Ctx, def: &'static ResourceDef, ns: &str, name: &str) -> Result<KubeResponse> {
    let sa = ctx
        .store
        .read(|tx| Writer::new(tx, &ctx.cluster.id).get(def, ns, name))?
        .ok_or_else(|| not_found(def, name))?;
    let body = ctx.body()?;
    let spec = body.get("spec").cloned().unwrap_or(serde_json::json!({}));
    let seconds = spec.get("expirationSeconds").and_then(Value::as_i64).unwrap_or(3600).clamp(600, 48 * 3600);
    let audiences: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let sa_ref = crate::ServiceAccountRef {
        namespace: ns.to_owned(),
        name: name.to_owned(),
        uid: sa["metadata"]["uid"].as_str().unwrap_or_default().to_owned(),
    };
    let Some((token, expires)) = ctx.authz.issue_token(&sa_ref, seconds, &audiences, ctx.now) else {
        return Err(ApiError::MethodNotAllowed);
    };
    let expiry = crate::objects::rfc3339(expires);
    let out = serde_json::json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": null},
        "spec": {"audiences": audiences, "expirationSeconds": seconds, "boundObjectRef": null},
        "status": {"token": token, "expirationTimestamp": expiry},
    });
    Ok(KubeResponse::json_value(201, &out))
}

fn subresource(ctx: &Ctx, def: &'static ResourceDef, ns: &str, name: &str, sub: &str) -> Result<KubeResponse> {
    let sdef = def.sub(sub).ok_or(ApiError::NoRoute)?;
    let method = ctx.req.method.to_ascii_uppercase();
    let verb = match method.as_str() {
        "GET" | "HEAD" => "get",
        "PUT" => "update",
        "PATCH" => "patch",
        "POST" => "create",
        "DELETE" => "delete",
        _ => return Err(ApiError::MethodNotAllowed),
    };
    if !sdef.verbs.contains(&verb) {
        return Err(ApiError::MethodNotAllowed);
    }
    let manager = ctx.field_manager();
    match (sub, verb) {
        ("token", "create") => token_request(ctx, def, ns, name),
        ("status", "get") => get(ctx, def, ns, name),
        ("status", _) => {
            let obj = write(ctx, |w| {
                let old = w.get(def, ns, name)?.ok_or_else(|| not_found(def, name))?;
                let new = if verb == "update" {
                    let mut b = ctx.body()?;
                    check_type(def, &mut b)?;
                    check_name(&b, name)?;
                    check_rv(def, &b, &old)?;
                    b
                } else {
                    patched(ctx, def, &old, &ctx.req.body)?
                };
                commit_update(w, def, &old, new, Part::Status, Owner::Update(&manager), ctx.now)
            })?;
            object_response(ctx, def, &obj, 200)
        }
        ("scale", "get") => {
            let obj = ctx
                .store
                .read(|tx| Writer::new(tx, &ctx.cluster.id).get(def, ns, name))?
                .ok_or_else(|| not_found(def, name))?;
            Ok(KubeResponse::json_value(200, &scale_of(&obj)))
        }
        ("scale", _) => {
            let obj = write(ctx, |w| {
                let old = w.get(def, ns, name)?.ok_or_else(|| not_found(def, name))?;
                let scale = scale_of(&old);
                let new_scale = if verb == "update" {
                    let b = ctx.body()?;
                    check_rv(def, &b, &old)?;
                    b
                } else {
                    let doc: Value = serde_json::from_slice(&ctx.req.body)
                        .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
                    let mut s = scale.clone();
                    match ctx.content_type().as_str() {
                        "application/json-patch+json" => {
                            patch::json_patch(&mut s, &doc).map_err(ApiError::BadRequest)?
                        }
                        _ => patch::merge_patch(&mut s, &doc),
                    }
                    check_rv(def, &s, &old)?;
                    s
                };
                let replicas = new_scale.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0);
                let mut new = old.clone();
                new["spec"]["replicas"] = json!(replicas);
                commit_update(w, def, &old, new, Part::Main, Owner::Update(&manager), ctx.now)
            })?;
            Ok(KubeResponse::json_value(200, &scale_of(&obj)))
        }
        ("finalize", "update") => {
            let obj = write(ctx, |w| {
                let old = w.get(def, ns, name)?.ok_or_else(|| not_found(def, name))?;
                let b = ctx.body()?;
                let mut new = old.clone();
                new["spec"]["finalizers"] = b.pointer("/spec/finalizers").cloned().unwrap_or_else(|| json!([]));
                commit_update(w, def, &old, new, Part::Main, Owner::Update(&manager), ctx.now)
            })?;
            object_response(ctx, def, &obj, 200)
        }
        _ => {
            let exists = ctx.store.read(|tx| Writer::new(tx, &ctx.cluster.id).get(def, ns, name))?.is_some();
            if !exists {
                return Err(not_found(def, name));
            }
            Err(ApiError::MethodNotSupported {
                gr: GroupResource::new(def.group, &format!("{}/{sub}", def.resource)),
                verb: verb.into(),
            })
        }
    }
}
