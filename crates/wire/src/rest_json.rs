//! The rest-json protocol (EKS): the operation is found by method and path template
//! (`/clusters/{name}/access-entries/{principalArn}`), inputs come from path labels
//! (percent-decoded per segment), the query string and a JSON body; outputs are JSON with
//! timestamps as epoch seconds; errors carry `x-amzn-ErrorType` and `{"message": …}`.

use crate::model::{MemberRef, ServiceModel, Shape};
use crate::validate::{self, Violation};
use crate::{ApiError, WireResponse};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// Decoded path labels: (label name, value).
pub type Labels = Vec<(String, String)>;

/// Finds the operation for `method` and the raw (percent-encoded) `path`; returns its name
/// and the decoded path labels.
pub fn route<'m>(model: &'m ServiceModel, method: &str, raw_path: &str) -> Option<(&'m str, Labels)> {
    let segments: Vec<&str> = raw_path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(&'m str, Labels, usize)> = None;
    for (name, op) in &model.operations {
        if op.http.get("method").and_then(Value::as_str) != Some(method) {
            continue;
        }
        let Some(uri) = op.http.get("requestUri").and_then(Value::as_str) else { continue };
        let template = uri.split('?').next().unwrap_or(uri);
        let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut labels = Vec::new();
        let mut literals = 0;
        let mut ok = true;
        for (t, s) in parts.iter().zip(&segments) {
            if let Some(label) = t.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
                let value = percent_decode_str(s).decode_utf8_lossy().into_owned();
                labels.push((label.trim_end_matches('+').to_owned(), value));
            } else if t == s {
                literals += 1;
            } else {
                ok = false;
                break;
            }
        }
        // Prefer the template with the most literal segments (`/clusters/{name}/updates` over labels).
        if ok && best.as_ref().is_none_or(|b| literals > b.2) {
            best = Some((name.as_str(), labels, literals));
        }
    }
    best.map(|(n, l, _)| (n, l))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::sender("InvalidParameterException", 400, message)
}

/// Decodes the input of `operation` from path labels, the raw query string and the body,
/// checking the model's constraints.
pub fn decode_input(
    model: &ServiceModel,
    operation: &str,
    labels: &[(String, String)],
    raw_query: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    let Some(input) = model.operations.get(operation).and_then(|o| o.input.as_deref()) else {
        return Ok(Value::Object(Map::new()));
    };
    let Some(shape) = model.shape(input) else { return Ok(Value::Object(Map::new())) };
    let mut body_obj = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(ApiError::sender("SerializationException", 400, "Could not parse request body into json")),
        }
    };
    let query: Vec<(String, String)> =
        form_urlencoded::parse(raw_query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut out = Map::new();
    let mut violations = Vec::new();
    for (name, member) in &shape.members {
        let wire = member.location_name.as_deref().unwrap_or(name);
        let value = match member.location.as_deref() {
            Some("uri") => labels.iter().find(|(l, _)| l == wire).map(|(_, v)| Value::String(v.clone())),
            Some("querystring") => query_value(model, member, wire, &query),
            Some("header") | Some("headers") => None,
            _ => body_obj.remove(name),
        };
        match value {
            Some(Value::Null) | None => {
                if shape.required.iter().any(|r| r == name) {
                    violations.push(Violation { value: None, path: name.clone(), constraint: "not be null".into() });
                }
            }
            Some(v) => {
                check(model, &member.shape, &v, name, &mut violations)?;
                out.insert(name.clone(), v);
            }
        }
    }
    if !violations.is_empty() {
        return Err(invalid(validate::message(&violations)));
    }
    Ok(Value::Object(out))
}

fn query_value(model: &ServiceModel, member: &MemberRef, wire: &str, query: &[(String, String)]) -> Option<Value> {
    let shape = model.shape(&member.shape)?;
    let values: Vec<&String> = query.iter().filter(|(k, _)| k == wire).map(|(_, v)| v).collect();
    if values.is_empty() {
        return None;
    }
    Some(match shape.kind.as_str() {
        "list" => Value::Array(values.into_iter().map(|v| Value::String(v.clone())).collect()),
        "integer" | "long" => match values.first().and_then(|v| v.parse::<i64>().ok()) {
            Some(n) => Value::from(n),
            None => Value::String(values.first().map(|v| v.to_string()).unwrap_or_default()),
        },
        "boolean" => Value::Bool(values.first().is_some_and(|v| v.as_str() == "true")),
        _ => Value::String(values.first().map(|v| v.to_string()).unwrap_or_default()),
    })
}

/// Type and constraint checks of one value against its shape (recursively).
fn check(
    model: &ServiceModel,
    shape_name: &str,
    v: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) -> Result<(), ApiError> {
    let Some(shape) = model.shape(shape_name) else { return Ok(()) };
    let type_error = |expected: &str| invalid(format!("The parameter {path} must be {expected}."));
    match shape.kind.as_str() {
        "string" => {
            let s = v.as_str().ok_or_else(|| type_error("a string"))?;
            length(shape, s.chars().count(), s, path, out);
            // Patterns are not checked here: EKS words its own messages for names
            // ("The parameter name contains invalid characters…"), so handlers check them.
            if let Some(values) = &shape.enum_values {
                if !values.iter().any(|e| e == s) {
                    out.push(Violation {
                        value: Some(s.to_owned()),
                        path: path.to_owned(),
                        constraint: format!("satisfy enum value set: [{}]", values.join(", ")),
                    });
                }
            }
        }
        "integer" | "long" => {
            let n = v.as_i64().ok_or_else(|| type_error("an integer"))?;
            if shape.max.is_some_and(|m| n as f64 > m) || shape.min.is_some_and(|m| (n as f64) < m) {
                let bound = if shape.max.is_some_and(|m| n as f64 > m) {
                    format!("have value less than or equal to {}", shape.max.unwrap_or_default())
                } else {
                    format!("have value greater than or equal to {}", shape.min.unwrap_or_default())
                };
                out.push(Violation { value: Some(n.to_string()), path: path.to_owned(), constraint: bound });
            }
        }
        "boolean" => {
            v.as_bool().ok_or_else(|| type_error("a boolean"))?;
        }
        "list" => {
            let items = v.as_array().ok_or_else(|| type_error("a list"))?;
            length(shape, items.len(), &format!("{} items", items.len()), path, out);
            if let Some(m) = &shape.member {
                for (i, item) in items.iter().enumerate() {
                    check(model, &m.shape, item, &format!("{path}.{}.member", i + 1), out)?;
                }
            }
        }
        "map" => {
            let obj = v.as_object().ok_or_else(|| type_error("a map"))?;
            length(shape, obj.len(), &format!("{} entries", obj.len()), path, out);
            for (k, item) in obj {
                if let Some(ks) = &shape.key {
                    check(model, &ks.shape, &Value::String(k.clone()), &format!("{path}.key"), out)?;
                }
                if let Some(vs) = &shape.value {
                    check(model, &vs.shape, item, &format!("{path}.{k}"), out)?;
                }
            }
        }
        "structure" => {
            let obj = v.as_object().ok_or_else(|| type_error("an object"))?;
            for (name, member) in &shape.members {
                match obj.get(name) {
                    Some(Value::Null) | None => {
                        if shape.required.iter().any(|r| r == name) {
                            out.push(Violation {
                                value: None,
                                path: format!("{path}.{name}"),
                                constraint: "not be null".into(),
                            });
                        }
                    }
                    Some(item) => check(model, &member.shape, item, &format!("{path}.{name}"), out)?,
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn length(shape: &Shape, len: usize, shown: &str, path: &str, out: &mut Vec<Violation>) {
    if let Some(max) = shape.max {
        if len as f64 > max {
            out.push(Violation {
                value: Some(shown.to_owned()),
                path: path.to_owned(),
                constraint: format!("have length less than or equal to {max}"),
            });
        }
    }
    if let Some(min) = shape.min {
        if (len as f64) < min {
            out.push(Violation {
                value: Some(shown.to_owned()),
                path: path.to_owned(),
                constraint: format!("have length greater than or equal to {min}"),
            });
        }
    }
}

fn headers(request_id: &str) -> Vec<(&'static str, String)> {
    vec![("content-type", "application/json".to_owned()), ("x-amzn-requestid", request_id.to_owned())]
}

/// A successful response: HTTP 200 and the output tree as JSON.
pub fn encode_output(output: &Value, request_id: &str) -> WireResponse {
    WireResponse { status: 200, headers: headers(request_id), body: output.to_string().into_bytes() }
}

/// An error: `x-amzn-ErrorType: Code` and `{"message": …}`.
pub fn encode_error(err: &ApiError, request_id: &str) -> WireResponse {
    let mut h = headers(request_id);
    h.push(("x-amzn-errortype", err.code.clone()));
    WireResponse {
        status: err.status,
        headers: h,
        body: serde_json::json!({ "message": err.message }).to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;

    #[test]
    fn routes_by_method_and_template_with_decoded_labels() {
        let (op, labels) = route(
            model::eks(),
            "GET",
            "/clusters/demo/access-entries/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdev%2Fmy%20role",
        )
        .unwrap();
        assert_eq!(op, "DescribeAccessEntry");
        assert_eq!(labels[1], ("principalArn".into(), "arn:aws:iam::111122223333:role/dev/my role".into()));
        assert_eq!(route(model::eks(), "POST", "/clusters/demo/updates").unwrap().0, "UpdateClusterVersion");
        assert_eq!(route(model::eks(), "GET", "/clusters/demo/updates").unwrap().0, "ListUpdates");
        assert_eq!(route(model::eks(), "GET", "/clusters").unwrap().0, "ListClusters");
        assert!(route(model::eks(), "PATCH", "/clusters").is_none());
    }

    #[test]
    fn decodes_labels_query_and_body() {
        let v = decode_input(
            model::eks(),
            "ListAccessEntries",
            &[("name".into(), "demo".into())],
            "maxResults=5&associatedPolicyArn=arn%3Ax",
            b"",
        )
        .unwrap();
        assert_eq!(v["clusterName"], "demo");
        assert_eq!(v["maxResults"], 5);
        assert_eq!(v["associatedPolicyArn"], "arn:x");
        let v = decode_input(
            model::eks(),
            "UntagResource",
            &[("resourceArn".into(), "arn".into())],
            "tagKeys=a&tagKeys=b",
            b"",
        )
        .unwrap();
        assert_eq!(v["tagKeys"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn bodies_that_are_not_json_objects_are_refused() {
        let e = decode_input(model::eks(), "CreateCluster", &[], "", b"[1]").unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }

    #[test]
    fn errors_carry_the_code_header_and_message_body() {
        let r =
            encode_error(&ApiError::sender("ResourceNotFoundException", 404, "No cluster found for name: x."), "rid");
        assert_eq!(r.status, 404);
        assert!(r.headers.contains(&("x-amzn-errortype", "ResourceNotFoundException".to_owned())));
        assert_eq!(String::from_utf8(r.body).unwrap(), r#"{"message":"No cluster found for name: x."}"#);
    }
}
