//! Virtual MFA devices (RFC 6238 TOTP, `iam-sts.md` §8): create with a base32 seed
//! and a real QR PNG, enable with two consecutive codes, resync, deactivate, delete.

use super::state::{keys, MfaAssignment, VirtualMfa};
use super::{empty, paginate, req, s, tags, tags_json};
use crate::authz::Authorized;
use crate::error::{self, ApiError, Result};
use crate::Ctx;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use eksim_model::{ids, AccountId};
use eksim_store::{Txn, TxnExt};
use serde_json::{json, Value};

/// The device name in a serial number ARN (`arn:aws:iam::ACCT:mfa/PATH/NAME`).
fn name_of(serial: &str) -> &str {
    serial.rsplit('/').next().unwrap_or(serial)
}

/// Resource of CreateVirtualMFADevice: `arn:aws:iam::ACCT:mfa/PATH/NAME`.
pub fn resource_new(ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(format!(
        "arn:aws:iam::{}:mfa{}{}",
        ctx.account(),
        s(input, "Path").unwrap_or("/"),
        req(input, "VirtualMFADeviceName")?
    ))
}

/// Resource of DeleteVirtualMFADevice: the serial number.
pub fn resource_serial(_ctx: &mut Ctx<'_>, input: &Value) -> Result<String> {
    Ok(req(input, "SerialNumber")?.to_owned())
}

/// Resource of ListVirtualMFADevices.
pub fn resource_list(ctx: &mut Ctx<'_>, _input: &Value) -> Result<String> {
    Ok(format!("arn:aws:iam::{}:mfa/", ctx.account()))
}

fn load(tx: &mut dyn Txn, account: &AccountId, serial: &str) -> Result<VirtualMfa> {
    tx.get_json::<VirtualMfa>(&keys::mfa(account, name_of(serial)))
        .map_err(error::store)?
        .filter(|d| d.serial == serial)
        .ok_or_else(|| {
            ApiError::sender("NoSuchEntity", 404, format!("VirtualMFADevice with serial {serial} does not exist."))
        })
}

fn save(tx: &mut dyn Txn, account: &AccountId, d: &VirtualMfa) -> Result<()> {
    tx.put_json(&keys::mfa(account, &d.name), d).map_err(error::store)?;
    Ok(())
}

fn seed_key(d: &VirtualMfa) -> Result<Vec<u8>> {
    eksim_mfa::base32_decode(&d.seed)
        .map_err(|_| ApiError::receiver("ServiceFailure", 500, "The MFA device seed is corrupt."))
}

/// CreateVirtualMFADevice.
pub fn create_virtual_mfa_device(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = req(i, "VirtualMFADeviceName")?;
    let path = s(i, "Path").unwrap_or("/");
    let acct = ctx.account().clone();
    if ctx.tx.get(&keys::mfa(&acct, name)).map_err(error::store)?.is_some() {
        return Err(ApiError::sender(
            "EntityAlreadyExists",
            409,
            "MFADevice entity at the same path and name already exists.",
        ));
    }
    let mut random = [0u8; eksim_mfa::SEED_KEY_LEN];
    ids::random_bytes(&mut random);
    let seed = eksim_mfa::generate_seed(&random);
    let d = VirtualMfa {
        serial: format!("arn:aws:iam::{acct}:mfa{path}{name}"),
        name: name.to_owned(),
        path: path.to_owned(),
        seed: seed.clone(),
        create_date: ctx.now_iso(),
        user: None,
        enable_date: None,
        last_counter: None,
        tags: tags(i, "Tags"),
    };
    // The QR code names the device and the account (the user is not known yet).
    let png = eksim_mfa::qr_png(&eksim_mfa::otpauth_uri(name, acct.as_str(), &seed))
        .map_err(|e| ApiError::receiver("ServiceFailure", 500, format!("QR code generation failed: {e}")))?;
    save(ctx.tx, &acct, &d)?;
    let mut v = json!({
        "SerialNumber": d.serial,
        "Base32StringSeed": STANDARD.encode(seed.as_bytes()),
        "QRCodePNG": STANDARD.encode(png),
    });
    if !d.tags.is_empty() {
        v["Tags"] = tags_json(&d.tags);
    }
    Ok(json!({ "VirtualMFADevice": v }))
}

fn codes(i: &Value) -> Result<(&str, &str)> {
    Ok((req(i, "AuthenticationCode1")?, req(i, "AuthenticationCode2")?))
}

/// EnableMFADevice: two consecutive codes.
pub fn enable_mfa_device(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let mut user = super::users::load(ctx, req(i, "UserName")?)?;
    let serial = req(i, "SerialNumber")?;
    let acct = ctx.account().clone();
    let mut d = load(ctx.tx, &acct, serial)?;
    if d.user.is_some() {
        return Err(ApiError::sender("EntityAlreadyExists", 409, "MFA Device is already in use."));
    }
    if user.mfa.len() >= 8 {
        return Err(error::limit_exceeded("Cannot exceed quota for MFADevicesPerUser: 8"));
    }
    let (c1, c2) = codes(i)?;
    let now = u64::try_from(ctx.now.unix_timestamp()).unwrap_or(0);
    let counter = eksim_mfa::verify_pair(&seed_key(&d)?, c1, c2, now, eksim_mfa::PAIR_TOLERANCE_WINDOWS)
        .ok_or_else(error::invalid_authentication_code)?;
    d.user = Some(user.name.clone());
    d.enable_date = Some(ctx.now_iso());
    d.last_counter = Some(counter);
    save(ctx.tx, &acct, &d)?;
    user.mfa.push(MfaAssignment { serial: d.serial.clone(), enable_date: ctx.now_iso() });
    super::users::save(ctx, &user)?;
    Ok(empty())
}

/// ResyncMFADevice.
pub fn resync_mfa_device(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let user = super::users::load(ctx, req(i, "UserName")?)?;
    let serial = req(i, "SerialNumber")?;
    let acct = ctx.account().clone();
    let mut d = load(ctx.tx, &acct, serial)?;
    if d.user.as_deref() != Some(user.name.as_str()) {
        return Err(ApiError::sender(
            "NoSuchEntity",
            404,
            format!("MFA Device with serial number {serial} does not exist for user {}.", user.name),
        ));
    }
    let (c1, c2) = codes(i)?;
    let now = u64::try_from(ctx.now.unix_timestamp()).unwrap_or(0);
    // Resync accepts a wider drift than enabling: the device's clock may have wandered.
    let counter =
        eksim_mfa::verify_pair(&seed_key(&d)?, c1, c2, now, 10).ok_or_else(error::invalid_authentication_code)?;
    d.last_counter = Some(counter);
    save(ctx.tx, &acct, &d)?;
    Ok(empty())
}

/// DeactivateMFADevice.
pub fn deactivate_mfa_device(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let i = a.input();
    let name = super::users::target_name(ctx, i)?
        .ok_or_else(|| error::validation("Must specify userName when calling with non-User credentials"))?;
    let mut user = super::users::load(ctx, &name)?;
    let serial = req(i, "SerialNumber")?;
    let acct = ctx.account().clone();
    let before = user.mfa.len();
    user.mfa.retain(|m| m.serial != serial);
    if before == user.mfa.len() {
        return Err(ApiError::sender(
            "NoSuchEntity",
            404,
            format!("MFA Device with serial number {serial} does not exist for user {}.", user.name),
        ));
    }
    super::users::save(ctx, &user)?;
    if let Ok(mut d) = load(ctx.tx, &acct, serial) {
        d.user = None;
        d.enable_date = None;
        save(ctx.tx, &acct, &d)?;
    }
    Ok(empty())
}

/// DeleteVirtualMFADevice (refused while assigned).
pub fn delete_virtual_mfa_device(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let serial = req(a.input(), "SerialNumber")?;
    let acct = ctx.account().clone();
    let d = load(ctx.tx, &acct, serial)?;
    if d.user.is_some() {
        return Err(ApiError::sender("DeleteConflict", 409, "MFA Device is still in use."));
    }
    ctx.tx.delete(&keys::mfa(&acct, &d.name)).map_err(error::store)?;
    Ok(empty())
}

/// ListMFADevices.
pub fn list_mfa_devices(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let Some(name) = super::users::target_name(ctx, a.input())? else {
        return Ok(json!({"MFADevices": [], "IsTruncated": false}));
    };
    let user = super::users::load(ctx, &name)?;
    let uname = user.name.clone();
    paginate(
        user.mfa,
        |m| m.serial.clone(),
        a.input(),
        "MFADevices",
        |m| json!({"UserName": uname, "SerialNumber": m.serial, "EnableDate": m.enable_date}),
    )
}

/// ListVirtualMFADevices (AssignmentStatus Assigned | Unassigned | Any).
pub fn list_virtual_mfa_devices(ctx: &mut Ctx<'_>, a: Authorized) -> Result<Value> {
    let status = s(a.input(), "AssignmentStatus").unwrap_or("Any").to_owned();
    let acct = ctx.account().clone();
    let devices: Vec<VirtualMfa> = ctx
        .tx
        .list_json::<VirtualMfa>(&keys::mfas(&acct))
        .map_err(error::store)?
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| match status.as_str() {
            "Assigned" => d.user.is_some(),
            "Unassigned" => d.user.is_none(),
            _ => true,
        })
        .collect();
    let mut rows = Vec::new();
    for d in devices {
        let mut v = json!({"SerialNumber": d.serial});
        if let Some(u) = &d.user {
            if let Ok(user) = super::users::load(ctx, u) {
                v["User"] = super::users::user_json(ctx, &user);
            }
            if let Some(e) = &d.enable_date {
                v["EnableDate"] = json!(e);
            }
        }
        rows.push((d.serial.clone(), v));
    }
    paginate(rows, |r| r.0.clone(), a.input(), "VirtualMFADevices", |r| r.1.clone())
}

/// Checks a TOTP code for GetSessionToken / AssumeRole: the device must be enabled for
/// `user`, the code within ±1 window and not replayed. Records the accepted counter.
pub fn verify_session_code(
    tx: &mut dyn Txn,
    account: &AccountId,
    user: Option<&str>,
    serial: &str,
    code: &str,
    now: i64,
) -> Result<()> {
    let not_associated = || {
        error::access_denied("MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
    };
    let mut d = load(tx, account, serial).map_err(|_| not_associated())?;
    match (user, d.user.as_deref()) {
        (Some(u), Some(owner)) if u.eq_ignore_ascii_case(owner) => {}
        _ => return Err(not_associated()),
    }
    let key = seed_key(&d)?;
    let counter = eksim_mfa::verify_code(&key, code, u64::try_from(now).unwrap_or(0), d.last_counter)
        .ok_or_else(|| error::access_denied("MultiFactorAuthentication failed with invalid MFA one time pass code."))?;
    d.last_counter = Some(counter);
    save(tx, account, &d)
}
