//! What a handler sees: the transaction, the caller, the time and the request facts.

use crate::Aws;
use eksim_model::{AccountId, Principal};
use eksim_store::Txn;
use std::net::IpAddr;
use time::OffsetDateTime;

/// Facts of the request that policy conditions read (`aws:SourceIp`, `aws:SecureTransport`...).
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// The TCP peer.
    pub source_ip: IpAddr,
    /// TLS or not.
    pub secure: bool,
    /// The SigV4 scope's region (`aws:RequestedRegion`).
    pub region: String,
    /// The User-Agent header.
    pub user_agent: String,
}

/// A handler's context: one store transaction, the authenticated caller, the time.
pub struct Ctx<'a> {
    /// The services (configuration, sealer).
    pub aws: &'a Aws,
    /// The transaction the whole request runs in.
    pub tx: &'a mut dyn Txn,
    /// The authenticated caller.
    pub caller: &'a Principal,
    /// The request time.
    pub now: OffsetDateTime,
    /// Request facts.
    pub facts: &'a RequestFacts,
    /// The authorization decision's reason, for the request log.
    pub decision: String,
}

impl Ctx<'_> {
    /// The caller's account: every IAM call acts on it.
    pub fn account(&self) -> &AccountId {
        &self.caller.account
    }

    /// The request time as IAM prints dates.
    pub fn now_iso(&self) -> String {
        crate::iso8601(self.now)
    }
}
