//! The cluster's stored control-plane logs (CloudWatch Logs log types `api`, `audit`,
//! `authenticator`, …): lines are appended under `cplog/{endpoint-id}/{type}/{seq}` so the
//! CloudWatch Logs API of a later issue can serve them and `eksim logs` can print them.

use eksim_aws::eks::state::Cluster;
use eksim_store::Store;
use time::OffsetDateTime;

/// Lines waiting to be written, and the thread that writes them in batches (one fsync per
/// batch, off the request path).
struct Pending {
    lines: Vec<(Store, String, String, String, i128)>,
}

fn queue() -> &'static (std::sync::Mutex<Pending>, std::sync::Condvar) {
    static Q: std::sync::OnceLock<(std::sync::Mutex<Pending>, std::sync::Condvar)> = std::sync::OnceLock::new();
    Q.get_or_init(|| {
        std::thread::Builder::new()
            .name("eksim-cplog".into())
            .spawn(writer)
            .map_err(|e| tracing::error!(error = %e, "cannot start the control-plane log writer"))
            .ok();
        (std::sync::Mutex::new(Pending { lines: Vec::new() }), std::sync::Condvar::new())
    })
}

fn writer() {
    loop {
        let batch = {
            let (lock, cv) = queue();
            let Ok(mut p) = lock.lock() else { return };
            while p.lines.is_empty() {
                p = match cv.wait(p) {
                    Ok(p) => p,
                    Err(_) => return,
                };
            }
            std::mem::take(&mut p.lines)
        };
        // Group by store (one per process in practice) and write each group in one transaction.
        let mut i = 0;
        while i < batch.len() {
            let store = batch[i].0.clone();
            let group: Vec<_> = batch[i..].iter().take_while(|l| same_store(&l.0, &store)).collect();
            let n = group.len();
            let result = store.write(|tx| -> Result<(), eksim_store::Error> {
                let rev = tx.revision()?;
                for (j, (_, id, log_type, line, ts)) in group.iter().enumerate() {
                    let key = format!("cplog/{id}/{log_type}/{:020}-{:06}", rev + 1, j);
                    let record = serde_json::json!({ "timestamp": ts / 1_000_000, "message": line });
                    tx.put(&key, record.to_string().as_bytes())?;
                }
                Ok(())
            });
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not store control-plane log lines");
            }
            i += n;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn same_store(a: &Store, b: &Store) -> bool {
    a.same_as(b)
}

/// Appends `lines` of `log_type` for `cluster`; the writer thread commits them within a
/// fraction of a second.
pub fn append(store: &Store, cluster: &Cluster, log_type: &str, lines: &[String], now: OffsetDateTime) {
    if lines.is_empty() {
        return;
    }
    let ts = now.unix_timestamp_nanos();
    let (lock, cv) = queue();
    if let Ok(mut p) = lock.lock() {
        for line in lines {
            p.lines.push((store.clone(), cluster.endpoint_id.clone(), log_type.to_owned(), line.clone(), ts));
        }
        cv.notify_one();
    }
}

/// Prints the stored lines of `log_type` for a cluster; with `follow`, keeps printing new ones.
pub fn print(
    store: &Store,
    account: &eksim_model::AccountId,
    region: &str,
    cluster: &str,
    log_type: &str,
    follow: bool,
) -> anyhow::Result<()> {
    use eksim_store::TxnExt;
    use std::io::Write;
    let key = eksim_aws::eks::state::keys::cluster(account, region, cluster);
    let Some(c) = store.read(|tx| tx.get_json::<Cluster>(&key))? else {
        anyhow::bail!("No cluster found for name: {cluster}.");
    };
    let prefix = format!("cplog/{}/{log_type}/", c.endpoint_id);
    let mut after: Option<String> = None;
    let mut out = std::io::stdout().lock();
    loop {
        let rows = store.read(|tx| tx.scan(&prefix, after.as_deref(), 1000))?;
        for (k, e) in &rows {
            let v: serde_json::Value = serde_json::from_slice(&e.value).unwrap_or_default();
            writeln!(out, "{}", v["message"].as_str().unwrap_or_default())?;
            after = Some(k.clone());
        }
        out.flush()?;
        if rows.len() == 1000 {
            continue;
        }
        if !follow {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
