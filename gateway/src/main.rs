//! `overshoot-gateway`: holds the Overshoot API key and serves the same API to
//! browsers that authenticate with short-lived per-user tokens (JWT HS256).
//!
//! - [`auth`]: token verification and minting;
//! - [`policy`]: what a user may do and when a stream is orphaned, without I/O;
//! - [`route`]: which call a path is, under any base path;
//! - [`store`]: ownership, per-user counts and liveness (memory or Redis);
//! - [`proxy`]: the HTTP calls and the results socket, relayed upstream with the key;
//! - [`reaper`]: deletes upstream the streams whose users have gone, and all on SIGTERM.
//!
//! This file only wires them together.

mod auth;
mod cli;
mod policy;
mod proxy;
mod reaper;
mod route;
mod store;

use clap::Parser;
use cli::{Cli, Command, ServeArgs};
use std::sync::Arc;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mint(args) => cli::token_secret().and_then(|secret| {
            auth::mint(&secret, &args.sub, args.ttl_seconds, auth::unix_now())
                .map(|token| println!("{token}"))
        }),
        Command::Serve(args) => serve(args).await,
    };
    if let Err(message) = result {
        eprintln!("overshoot-gateway: {message}");
        std::process::exit(2);
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    init_logs();
    let secrets = cli::secrets()?;
    let store = match &args.redis {
        Some(url) => store::Store::Redis(
            store::RedisStore::connect(url)
                .await
                .map_err(|e| format!("--redis: {e}"))?,
        ),
        None => store::Store::Memory(store::MemoryStore::default()),
    };
    let cors = proxy::cors(&args.allow_origins)?;
    let gateway = Arc::new(proxy::Gateway::new(&args, secrets, store)?);
    let app = axum::Router::new()
        .fallback(proxy::handle)
        .with_state(gateway.clone());
    let app = match cors {
        Some(cors) => app.layer(cors),
        None => app,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{address}");
    tokio::spawn(reaper::run(gateway.clone()));
    tokio::select! {
        served = axum::serve(listener, app) => served.map_err(|e| e.to_string())?,
        _ = reaper::shutdown_signal() => reaper::release_all(&gateway).await,
    }
    Ok(())
}

/// JSON lines on stderr, `info` unless `RUST_LOG` says otherwise.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
}
