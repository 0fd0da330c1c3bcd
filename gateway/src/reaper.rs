//! Billing safety: streams whose users have gone are deleted upstream, and on
//! SIGTERM every stream this gateway holds is.

use crate::policy::orphaned;
use crate::proxy::{now_ms, Gateway};
use std::sync::Arc;
use std::time::Duration;

/// How often the store is swept.
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// Sweeps forever.
pub async fn run(gw: Arc<Gateway>) {
    let mut ticker = tokio::time::interval(SWEEP_EVERY);
    loop {
        ticker.tick().await;
        let streams = match gw.store.all().await {
            Ok(streams) => streams,
            Err(e) => {
                tracing::warn!(error = %e, "reaper cannot read the store");
                continue;
            }
        };
        let now = now_ms();
        for (id, record) in streams {
            if let Some(why) = orphaned(&record.liveness, now, &gw.limits) {
                release(&gw, &id, why.as_str()).await;
            }
        }
    }
}

/// Removes stream `id` from the store and, if this call removed it, deletes it upstream.
async fn release(gw: &Gateway, id: &str, why: &str) {
    let Ok(Some(record)) = gw.store.remove(id).await else {
        return; // gone already, or another gateway got there first
    };
    let (status, latency) = gw.upstream.delete_stream(record.api, id).await;
    tracing::info!(
        call = "reap",
        user = record.user.as_str(),
        stream = id,
        status,
        upstream_ms = latency.as_millis() as u64,
        reason = why,
    );
}

/// Deletes every stream this gateway holds (with a shared store: those it created).
pub async fn release_all(gw: &Gateway) {
    let streams = gw.store.all().await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot read the store at shutdown");
        Vec::new()
    });
    let mine = streams
        .into_iter()
        .filter(|(_, r)| !gw.shared_store || r.instance == gw.instance);
    let releases = mine.map(|(id, _)| async move { release(gw, &id, "shutdown").await });
    futures_util::future::join_all(releases).await;
    tracing::info!(call = "shutdown", "every held stream deleted");
}

/// SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
