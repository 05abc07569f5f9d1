//! The request context: condition keys and their values.
//!
//! Condition key names are case-insensitive (reference `iam-sts.md` §10.3); values keep their
//! case and are plain strings, typed only by the operator that reads them. A multivalued key
//! (`aws:TagKeys`, a simulator `stringList`) holds a list. eksim fills the context per principal
//! kind; the simulator passes only what the caller gave.

/// The value of one context key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key such as `aws:username`.
    Single(String),
    /// A multivalued key such as `aws:TagKeys`; may be empty.
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice: one element for a single-valued key.
    pub fn as_slice(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(list) => list,
        }
    }
}

/// Condition keys and values for one request, looked up case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<(String, ContextValue)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a single-valued key, replacing any value under the same key in any case.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Context {
        self.set(key.into(), ContextValue::Single(value.into()))
    }

    /// Sets a multivalued key, replacing any value under the same key in any case.
    pub fn insert_multi<I, S>(&mut self, key: impl Into<String>, values: I) -> &mut Context
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list = values.into_iter().map(Into::into).collect();
        self.set(key.into(), ContextValue::Multi(list))
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Context {
        self.insert(key, value);
        self
    }

    /// Builder form of [`Context::insert_multi`].
    pub fn with_multi<I, S>(mut self, key: impl Into<String>, values: I) -> Context
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert_multi(key, values);
        self
    }

    /// The value of `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key) || unicode_eq(k, key)).map(|(_, v)| v)
    }

    /// Whether `key` is present (an empty list counts as present).
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        let i = self.entries.iter().position(|(k, _)| k.eq_ignore_ascii_case(key) || unicode_eq(k, key))?;
        Some(self.entries.remove(i).1)
    }

    /// The entries with their keys as first inserted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the context has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn set(&mut self, key: String, value: ContextValue) -> &mut Context {
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key) || unicode_eq(k, &key)) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
        self
    }
}

/// Case-insensitive comparison beyond ASCII (tag keys may hold any letters).
fn unicode_eq(a: &str, b: &str) -> bool {
    !a.is_ascii() && a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_replace() {
        let mut c = Context::new();
        c.insert("aws:MultiFactorAuthPresent", "true");
        c.insert("AWS:multifactorauthpresent", "false");
        c.insert_multi("aws:TagKeys", ["a", "b"]);
        c.insert("aws:PrincipalTag/Équipe", "x");
        assert_eq!(c.len(), 3);
        assert_eq!(c.get("aws:multifactorAuthPresent"), Some(&ContextValue::Single("false".into())));
        assert_eq!(c.get("AWS:TAGKEYS").map(ContextValue::as_slice), Some(&["a".to_string(), "b".to_string()][..]));
        assert!(c.contains("aws:principaltag/équipe"));
        assert!(c.remove("aws:tagkeys").is_some());
        assert!(!c.contains("aws:TagKeys"));
        assert_eq!(c.iter().next().map(|(k, _)| k), Some("aws:MultiFactorAuthPresent"));
    }
}
