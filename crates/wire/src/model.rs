//! The embedded botocore models: operations and shapes of IAM, STS and EKS.

use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One service's model.
#[derive(Debug, Deserialize)]
pub struct ServiceModel {
    /// apiVersion, protocol, xmlNamespace...
    pub metadata: Metadata,
    /// Operations by name.
    pub operations: HashMap<String, Operation>,
    /// Shapes by name.
    pub shapes: HashMap<String, Shape>,
}

/// Service metadata.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// e.g. `2010-05-08`.
    pub api_version: String,
    /// `query` or `rest-json`.
    pub protocol: String,
    /// The XML namespace of responses (query services).
    pub xml_namespace: Option<String>,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// HTTP binding: `method`, `requestUri`, `responseCode`.
    #[serde(default)]
    pub http: Value,
    /// Input shape name.
    pub input: Option<String>,
    /// Output shape name.
    pub output: Option<String>,
    /// The query protocol's result element, e.g. `CreateUserResult`.
    pub result_wrapper: Option<String>,
    /// Error shape names.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// A reference to a shape from a member, list or map.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    /// Target shape.
    pub shape: String,
    /// `uri`, `querystring`, `header` for rest protocols.
    pub location: Option<String>,
    /// Wire name when it differs from the member name.
    pub location_name: Option<String>,
    /// rest-json idempotency tokens are filled by the SDK.
    #[serde(default)]
    pub idempotency_token: bool,
}

/// Error trait of exception shapes.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    /// Wire code (query protocol).
    pub code: Option<String>,
    /// HTTP status.
    pub http_status_code: Option<u16>,
    /// Client fault.
    #[serde(default)]
    pub sender_fault: bool,
}

/// A shape with its constraints.
#[derive(Debug, Deserialize)]
pub struct Shape {
    /// structure, list, map, string, integer, long, boolean, timestamp, blob, double.
    #[serde(rename = "type")]
    pub kind: String,
    /// Minimum length / value.
    pub min: Option<f64>,
    /// Maximum length / value.
    pub max: Option<f64>,
    /// Java-style regular expression the whole value must match.
    pub pattern: Option<String>,
    /// Allowed values.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    /// Required member names.
    #[serde(default)]
    pub required: Vec<String>,
    /// Members in model order.
    #[serde(default)]
    pub members: Vec<(String, MemberRef)>,
    /// List member.
    pub member: Option<MemberRef>,
    /// Map key.
    pub key: Option<MemberRef>,
    /// Map value.
    pub value: Option<MemberRef>,
    /// Exception trait.
    pub error: Option<ErrorTrait>,
    /// Flattened list (query/xml).
    #[serde(default)]
    pub flattened: bool,
}

fn load(text: &'static str) -> ServiceModel {
    // The models are generated files compiled into the binary; a decode failure is a
    // build defect caught by the tests below, never a request-time condition.
    #[allow(clippy::expect_used)]
    serde_json::from_str(text).expect("embedded botocore model is valid")
}

/// The IAM model (2010-05-08).
pub fn iam() -> &'static ServiceModel {
    static M: OnceLock<ServiceModel> = OnceLock::new();
    M.get_or_init(|| load(include_str!("../data/iam.json")))
}

/// The STS model (2011-06-15).
pub fn sts() -> &'static ServiceModel {
    static M: OnceLock<ServiceModel> = OnceLock::new();
    M.get_or_init(|| load(include_str!("../data/sts.json")))
}

/// The EKS model (2017-11-01).
pub fn eks() -> &'static ServiceModel {
    static M: OnceLock<ServiceModel> = OnceLock::new();
    M.get_or_init(|| load(include_str!("../data/eks.json")))
}

impl ServiceModel {
    /// A shape by name.
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// The HTTP status and code the model gives an exception shape, e.g. `NoSuchEntityException` → (404, `NoSuchEntity`).
    pub fn error_of(&self, shape: &str) -> Option<(u16, String)> {
        let s = self.shapes.get(shape)?;
        let e = s.error.as_ref();
        let status = e.and_then(|e| e.http_status_code).unwrap_or(400);
        let code = e.and_then(|e| e.code.clone()).unwrap_or_else(|| shape.to_owned());
        Some((status, code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_models_load_and_know_their_operations() {
        assert!(iam().operations.contains_key("CreateUser"));
        assert!(sts().operations.contains_key("AssumeRole"));
        assert!(eks().operations.contains_key("CreateAccessEntry"));
        assert_eq!(iam().metadata.xml_namespace.as_deref(), Some("https://iam.amazonaws.com/doc/2010-05-08/"));
        assert_eq!(iam().error_of("EntityAlreadyExistsException"), Some((409, "EntityAlreadyExists".into())));
    }
}
