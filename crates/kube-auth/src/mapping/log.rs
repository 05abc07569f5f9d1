//! The authenticator's log lines (`authenticator.md` §5): logrus's text
//! format, `time`, `level`, `msg` first, the other fields sorted by key, values
//! bare only when made of `[A-Za-z0-9-._/@^+]`.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{AuthenticatorVersion, Identity};
use crate::gofmt::{logfmt_value, sprint_list};

/// A logrus level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `info`.
    Info,
    /// `warning`.
    Warning,
    /// `error`.
    Error,
}

impl LogLevel {
    fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
        }
    }
}

/// What every `/authenticate` line shares.
#[derive(Debug, Clone, Copy)]
pub struct LogContext<'a> {
    /// When the line is written.
    pub time: OffsetDateTime,
    /// kube-apiserver's address as the authenticator saw it, e.g. `127.0.0.1:51326`.
    pub client: &'a str,
    /// Which build's fields and wording to use.
    pub version: AuthenticatorVersion,
}

/// One log line.
#[derive(Debug, Clone, Copy)]
pub enum LogEvent<'a> {
    /// `msg="STS response"`, with the raw ARN.
    StsResponse(&'a Identity),
    /// `msg="access granted"`, with the canonical ARN.
    Granted {
        /// The identity.
        identity: &'a Identity,
        /// The username returned.
        username: &'a str,
        /// The groups returned (without `system:authenticated`).
        groups: &'a [String],
    },
    /// `msg="access denied"`: with the canonical ARN once STS answered
    /// (mapping failures), without for token and STS failures.
    Denied {
        /// The identity, when STS answered.
        identity: Option<&'a Identity>,
        /// The `error=` text.
        error: &'a str,
    },
    /// A line without the request fields (mapper notes, aws-auth parse errors).
    Message {
        /// Its level.
        level: LogLevel,
        /// Its text.
        msg: &'a str,
    },
}

fn render(ctx: &LogContext<'_>, level: LogLevel, msg: &str, mut fields: Vec<(&str, String)>) -> String {
    let time = ctx.time.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(ctx.time);
    let time = time.format(&Rfc3339).unwrap_or_default();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut line = format!("time={} level={} msg={}", logfmt_value(&time), level.as_str(), logfmt_value(msg));
    for (key, value) in fields {
        line.push(' ');
        line.push_str(key);
        line.push('=');
        line.push_str(&logfmt_value(&value));
    }
    line
}

/// Renders `event` as the authenticator writes it.
pub fn log_line(ctx: &LogContext<'_>, event: &LogEvent<'_>) -> String {
    let base =
        || vec![("client", ctx.client.to_owned()), ("method", "POST".to_owned()), ("path", "/authenticate".to_owned())];
    let with_endpoint = |fields: &mut Vec<(&str, String)>, identity: &Identity| {
        if ctx.version.names_sts_endpoint() {
            fields.push(("stsendpoint", identity.sts_endpoint.clone()));
        }
    };
    match event {
        LogEvent::StsResponse(identity) => {
            let mut fields = base();
            fields.extend([
                ("accesskeyid", identity.access_key_id.clone()),
                ("accountid", identity.account.clone()),
                ("arn", identity.arn.clone()),
                ("session", identity.session_name.clone()),
                ("userid", identity.principal_id.clone()),
            ]);
            with_endpoint(&mut fields, identity);
            render(ctx, LogLevel::Info, "STS response", fields)
        }
        LogEvent::Granted { identity, username, groups } => {
            let mut fields = base();
            fields.extend([
                ("arn", identity.canonical_arn.clone()),
                ("groups", sprint_list(groups)),
                ("uid", identity.uid()),
                ("username", (*username).to_owned()),
            ]);
            with_endpoint(&mut fields, identity);
            render(ctx, LogLevel::Info, "access granted", fields)
        }
        LogEvent::Denied { identity, error } => {
            let mut fields = base();
            fields.push(("error", (*error).to_owned()));
            if let Some(identity) = identity {
                fields.push(("arn", identity.canonical_arn.clone()));
            }
            render(ctx, LogLevel::Warning, "access denied", fields)
        }
        LogEvent::Message { level, msg } => render(ctx, *level, msg, Vec::new()),
    }
}
