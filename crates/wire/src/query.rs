//! The AWS query protocol (IAM, STS): form parameters in, XML out.
//!
//! Inputs: `Action=X&Version=V&Name=value`, lists as `Name.member.N`, structures as
//! `Name.Field`, maps as `Name.entry.N.key`/`.value`; decoded against the operation's
//! input shape into a JSON tree and checked against the model's constraints.
//! Outputs: `<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…` with list
//! items in `<member>`; IAM policy documents (`policyDocumentType`) URL-encoded.
//! STS also answers JSON when the client sends `Accept: application/json`.

use crate::model::{MemberRef, ServiceModel, Shape};
use crate::validate::{self, lower_camel, Violation};
use crate::{ApiError, WireResponse};
use quick_xml::escape::escape;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Decoded form parameters; the first value of a repeated name wins.
#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` bytes (a body or a raw query string).
    pub fn parse(bytes: &[u8]) -> Self {
        let mut map = HashMap::new();
        for (k, v) in form_urlencoded::parse(bytes) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Self { map }
    }

    /// One parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Adds parameters from another source without overriding existing ones.
    pub fn merge(&mut self, other: Params) {
        for (k, v) in other.map {
            self.map.entry(k).or_insert(v);
        }
    }

    /// True when any parameter name starts with `prefix`.
    fn any_with_prefix(&self, prefix: &str) -> bool {
        self.map.keys().any(|k| k.starts_with(prefix))
    }
}

/// Decodes the input of `operation` from `params`, checking the model constraints.
/// Missing input shape decodes to an empty object.
pub fn decode_input(model: &ServiceModel, operation: &str, params: &Params) -> Result<Value, ApiError> {
    let Some(op) = model.operations.get(operation) else {
        return Ok(Value::Object(Map::new()));
    };
    let Some(input) = op.input.as_deref() else {
        return Ok(Value::Object(Map::new()));
    };
    let mut violations = Vec::new();
    let mut malformed = None;
    let value = decode_structure(model, input, "", "", params, &mut violations, &mut malformed);
    if let Some(m) = malformed {
        return Err(ApiError::sender("MalformedInput", 400, m));
    }
    if !violations.is_empty() {
        return Err(ApiError::sender("ValidationError", 400, validate::message(&violations)));
    }
    Ok(value)
}

fn decode_structure(
    model: &ServiceModel,
    shape_name: &str,
    prefix: &str,
    path: &str,
    params: &Params,
    violations: &mut Vec<Violation>,
    malformed: &mut Option<String>,
) -> Value {
    let mut obj = Map::new();
    let Some(shape) = model.shape(shape_name) else {
        return Value::Object(obj);
    };
    for (name, member) in &shape.members {
        let wire = member.location_name.as_deref().unwrap_or(name);
        let key = format!("{prefix}{wire}");
        let mpath = if path.is_empty() { lower_camel(name) } else { format!("{path}.{}", lower_camel(name)) };
        let v = decode_member(model, member, &key, &mpath, params, violations, malformed);
        match v {
            Some(v) => {
                obj.insert(name.clone(), v);
            }
            None if shape.required.iter().any(|r| r == name) => {
                violations.push(Violation { value: None, path: mpath, constraint: "not be null".into() });
            }
            None => {}
        }
    }
    Value::Object(obj)
}

fn decode_member(
    model: &ServiceModel,
    member: &MemberRef,
    key: &str,
    path: &str,
    params: &Params,
    violations: &mut Vec<Violation>,
    malformed: &mut Option<String>,
) -> Option<Value> {
    let shape = model.shape(&member.shape)?;
    match shape.kind.as_str() {
        "structure" => {
            let p = format!("{key}.");
            if !params.any_with_prefix(&p) {
                return None;
            }
            Some(decode_structure(model, &member.shape, &p, path, params, violations, malformed))
        }
        "list" => {
            let item = shape.member.as_ref()?;
            let mut items = Vec::new();
            let empty_marker = params.get(key).is_some();
            for n in 1.. {
                let ikey = if shape.flattened { format!("{key}.{n}") } else { format!("{key}.member.{n}") };
                let present = params.get(&ikey).is_some() || params.any_with_prefix(&format!("{ikey}."));
                if !present {
                    break;
                }
                let ipath = format!("{path}.{n}.member");
                if let Some(v) = decode_member(model, item, &ikey, &ipath, params, violations, malformed) {
                    items.push(v);
                }
            }
            if items.is_empty() && !empty_marker {
                return None;
            }
            check_length(shape, items.len(), &format!("{} items", items.len()), path, violations);
            Some(Value::Array(items))
        }
        "map" => {
            let (kref, vref) = (shape.key.as_ref()?, shape.value.as_ref()?);
            let mut obj = Map::new();
            for n in 1.. {
                let kk = format!("{key}.entry.{n}.key");
                let Some(k) = params.get(&kk) else { break };
                let vv = format!("{key}.entry.{n}.value");
                if let Some(v) =
                    decode_member(model, vref, &vv, &format!("{path}.{n}.value"), params, violations, malformed)
                {
                    let _ = kref;
                    obj.insert(k.to_owned(), v);
                }
            }
            if obj.is_empty() {
                return None;
            }
            Some(Value::Object(obj))
        }
        kind => {
            let raw = params.get(key)?;
            Some(decode_scalar(shape, kind, raw, key, path, violations, malformed))
        }
    }
}

fn decode_scalar(
    shape: &Shape,
    kind: &str,
    raw: &str,
    key: &str,
    path: &str,
    violations: &mut Vec<Violation>,
    malformed: &mut Option<String>,
) -> Value {
    match kind {
        "integer" | "long" => match raw.trim().parse::<i64>() {
            Ok(n) => {
                check_range(shape, n as f64, raw, path, violations);
                Value::from(n)
            }
            Err(_) => {
                malformed.get_or_insert_with(|| {
                    format!("Invalid value for parameter {key}, value: {raw}, type: class java.lang.Integer")
                });
                Value::Null
            }
        },
        "double" | "float" => match raw.trim().parse::<f64>() {
            Ok(n) => {
                check_range(shape, n, raw, path, violations);
                Value::from(n)
            }
            Err(_) => {
                malformed.get_or_insert_with(|| format!("Invalid value for parameter {key}, value: {raw}"));
                Value::Null
            }
        },
        "boolean" => match raw.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => {
                malformed.get_or_insert_with(|| {
                    format!("Invalid value for parameter {key}, value: {raw}, type: class java.lang.Boolean")
                });
                Value::Null
            }
        },
        _ => {
            let len = raw.chars().count();
            check_length(shape, len, raw, path, violations);
            if let Some(p) = &shape.pattern {
                if !validate::matches_pattern(p, raw) {
                    violations.push(Violation {
                        value: Some(raw.to_owned()),
                        path: path.to_owned(),
                        constraint: format!("satisfy regular expression pattern: {p}"),
                    });
                }
            }
            if let Some(values) = &shape.enum_values {
                if !values.iter().any(|v| v == raw) {
                    violations.push(Violation {
                        value: Some(raw.to_owned()),
                        path: path.to_owned(),
                        constraint: format!("satisfy enum value set: [{}]", values.join(", ")),
                    });
                }
            }
            Value::String(raw.to_owned())
        }
    }
}

fn check_length(shape: &Shape, len: usize, shown: &str, path: &str, violations: &mut Vec<Violation>) {
    if let Some(max) = shape.max {
        if len as f64 > max {
            violations.push(Violation {
                value: Some(shown.to_owned()),
                path: path.to_owned(),
                constraint: format!("have length less than or equal to {max}"),
            });
        }
    }
    if let Some(min) = shape.min {
        if (len as f64) < min {
            violations.push(Violation {
                value: Some(shown.to_owned()),
                path: path.to_owned(),
                constraint: format!("have length greater than or equal to {min}"),
            });
        }
    }
}

fn check_range(shape: &Shape, n: f64, raw: &str, path: &str, violations: &mut Vec<Violation>) {
    if let Some(max) = shape.max {
        if n > max {
            violations.push(Violation {
                value: Some(raw.to_owned()),
                path: path.to_owned(),
                constraint: format!("have value less than or equal to {max}"),
            });
        }
    }
    if let Some(min) = shape.min {
        if n < min {
            violations.push(Violation {
                value: Some(raw.to_owned()),
                path: path.to_owned(),
                constraint: format!("have value greater than or equal to {min}"),
            });
        }
    }
}

/// Which body form the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/xml`, the default.
    Xml,
    /// STS's JSON form (`Accept: application/json`).
    Json,
}

/// Renders a successful response of `operation` carrying `output` (a JSON tree shaped like the output shape).
pub fn encode_output(
    model: &ServiceModel,
    operation: &str,
    output: &Value,
    request_id: &str,
    format: Format,
) -> WireResponse {
    let op = model.operations.get(operation);
    let result = op.and_then(|o| o.result_wrapper.clone()).unwrap_or_else(|| format!("{operation}Result"));
    let has_output = op.is_some_and(|o| o.output.is_some());
    let body = match format {
        Format::Json => {
            let mut inner = Map::new();
            if has_output {
                inner.insert(result, output.clone());
            }
            inner.insert("ResponseMetadata".into(), serde_json::json!({ "RequestId": request_id }));
            let mut outer = Map::new();
            outer.insert(format!("{operation}Response"), Value::Object(inner));
            Value::Object(outer).to_string().into_bytes()
        }
        Format::Xml => {
            let ns = model.metadata.xml_namespace.as_deref().unwrap_or_default();
            let mut x = String::with_capacity(512);
            x.push_str(&format!("<{operation}Response xmlns=\"{ns}\">\n"));
            if let (true, Some(shape)) = (has_output, op.and_then(|o| o.output.as_deref())) {
                x.push_str(&format!("  <{result}>\n"));
                encode_members(model, shape, output, &mut x, 1);
                x.push_str(&format!("  </{result}>\n"));
            }
            x.push_str(&format!(
                "  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</{operation}Response>\n"
            ));
            x.into_bytes()
        }
    };
    WireResponse { status: 200, headers: headers(request_id, format), body }
}

fn headers(request_id: &str, format: Format) -> Vec<(&'static str, String)> {
    let ct = match format {
        Format::Xml => "text/xml",
        Format::Json => "application/json",
    };
    vec![("content-type", ct.to_owned()), ("x-amzn-requestid", request_id.to_owned())]
}

fn indent(x: &mut String, depth: usize) {
    for _ in 0..depth {
        x.push_str("  ");
    }
}

fn encode_members(model: &ServiceModel, shape_name: &str, value: &Value, x: &mut String, depth: usize) {
    let (Some(shape), Some(obj)) = (model.shape(shape_name), value.as_object()) else {
        return;
    };
    for (name, member) in &shape.members {
        let Some(v) = obj.get(name) else { continue };
        if v.is_null() {
            continue;
        }
        let tag = member.location_name.as_deref().unwrap_or(name);
        encode_value(model, &member.shape, tag, v, x, depth + 1);
    }
}

fn encode_value(model: &ServiceModel, shape_name: &str, tag: &str, v: &Value, x: &mut String, depth: usize) {
    let Some(shape) = model.shape(shape_name) else {
        return;
    };
    match shape.kind.as_str() {
        "structure" => {
            indent(x, depth);
            x.push_str(&format!("<{tag}>\n"));
            encode_members(model, shape_name, v, x, depth);
            indent(x, depth);
            x.push_str(&format!("</{tag}>\n"));
        }
        "list" => {
            let Some(item) = &shape.member else { return };
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            let item_tag = item.location_name.as_deref().unwrap_or("member");
            if shape.flattened {
                for i in items {
                    encode_value(model, &item.shape, tag, i, x, depth);
                }
                return;
            }
            indent(x, depth);
            if items.is_empty() {
                x.push_str(&format!("<{tag}/>\n"));
                return;
            }
            x.push_str(&format!("<{tag}>\n"));
            for i in items {
                encode_value(model, &item.shape, item_tag, i, x, depth + 1);
            }
            indent(x, depth);
            x.push_str(&format!("</{tag}>\n"));
        }
        "map" => {
            let (Some(k), Some(val)) = (&shape.key, &shape.value) else {
                return;
            };
            indent(x, depth);
            x.push_str(&format!("<{tag}>\n"));
            if let Some(obj) = v.as_object() {
                for (key, value) in obj {
                    indent(x, depth + 1);
                    x.push_str("<entry>\n");
                    encode_value(model, &k.shape, "key", &Value::String(key.clone()), x, depth + 2);
                    encode_value(model, &val.shape, "value", value, x, depth + 2);
                    indent(x, depth + 1);
                    x.push_str("</entry>\n");
                }
            }
            indent(x, depth);
            x.push_str(&format!("</{tag}>\n"));
        }
        _ => {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            // IAM returns policy documents URL-encoded (botocore's after-call handler decodes them).
            let text = if shape_name == "policyDocumentType" { url_encode(&text) } else { text };
            indent(x, depth);
            x.push_str(&format!("<{tag}>{}</{tag}>\n", escape(text.as_str())));
        }
    }
}

/// Percent-encodes as IAM does for policy documents (Java's URLEncoder: space as `%20`).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'*') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders an error in the query protocol's `ErrorResponse` shape (or STS's JSON form).
pub fn encode_error(xml_namespace: &str, err: &ApiError, request_id: &str, format: Format) -> WireResponse {
    let kind = if err.sender_fault { "Sender" } else { "Receiver" };
    let body = match format {
        Format::Json => serde_json::json!({
            "Error": { "Code": err.code, "Message": err.message, "Type": kind },
            "RequestId": request_id,
        })
        .to_string()
        .into_bytes(),
        Format::Xml => format!(
            "<ErrorResponse xmlns=\"{xml_namespace}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
            escape(err.code.as_str()),
            escape(err.message.as_str())
        )
        .into_bytes(),
    };
    WireResponse { status: err.status, headers: headers(request_id, format), body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;

    #[test]
    fn decodes_lists_of_structures() {
        let p = Params::parse(
            b"Action=CreateUser&UserName=alice&Path=%2Fdev%2F&Tags.member.1.Key=team&Tags.member.1.Value=a",
        );
        let v = decode_input(model::iam(), "CreateUser", &p).unwrap();
        assert_eq!(v["UserName"], "alice");
        assert_eq!(v["Path"], "/dev/");
        assert_eq!(v["Tags"][0]["Key"], "team");
    }

    #[test]
    fn pattern_violations_use_aws_words() {
        let p = Params::parse(b"UserName=bad%20name!");
        let e = decode_input(model::iam(), "CreateUser", &p).unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
    }

    #[test]
    fn missing_required_member_is_null() {
        let e = decode_input(model::iam(), "CreateUser", &Params::parse(b"")).unwrap_err();
        assert!(
            e.message.contains("Value null at 'userName' failed to satisfy constraint: Member must not be null"),
            "{}",
            e.message
        );
    }

    #[test]
    fn range_violations_name_the_bound() {
        let p = Params::parse(
            b"RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s1&DurationSeconds=50000",
        );
        let e = decode_input(model::sts(), "AssumeRole", &p).unwrap_err();
        assert!(e.message.ends_with("Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"), "{}", e.message);
    }

    #[test]
    fn output_wraps_lists_in_member_and_url_encodes_policies() {
        let out = serde_json::json!({"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{\"a\": 1}"});
        let r = encode_output(model::iam(), "GetRolePolicy", &out, "rid", Format::Xml);
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("<PolicyDocument>%7B%22a%22%3A%201%7D</PolicyDocument>"), "{body}");
        let users = serde_json::json!({"Users": [{"UserName": "a"}], "IsTruncated": false});
        let body =
            String::from_utf8(encode_output(model::iam(), "ListUsers", &users, "rid", Format::Xml).body).unwrap();
        assert!(body.contains("    <Users>\n      <member>\n        <UserName>a</UserName>"), "{body}");
        assert!(body.contains("<IsTruncated>false</IsTruncated>"));
    }

    #[test]
    fn error_body_has_type_code_message_and_request_id() {
        let e = ApiError::sender("NoSuchEntity", 404, "The user with name nobody cannot be found.");
        let r = encode_error("https://iam.amazonaws.com/doc/2010-05-08/", &e, "rid", Format::Xml);
        assert_eq!(r.status, 404);
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.contains("<Type>Sender</Type>\n    <Code>NoSuchEntity</Code>\n    <Message>The user with name nobody cannot be found.</Message>"));
    }
}
