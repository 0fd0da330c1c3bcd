//! `overshoot-emulator`: a local server that speaks Overshoot's streams API
//! ([`streams_api`]) and its v1beta API ([`v1beta`]) with real WebRTC (str0m), a
//! LiveKit server of its own ([`livekit`]) and real video decoding (OpenH264, libvpx),
//! so the package's demo and tests run with no network and no API key. Its "model"
//! ([`model`]) reports the mean colour of the frames it decoded.
//!
//! Usage: `overshoot-emulator --help` (see `cli.rs`). Prints `listening on
//! http://127.0.0.1:PORT` (`https://` with `--tls`). Default key: `emulator-key`.

mod cli;
mod faults;
mod livekit;
mod model;
mod netem;
mod peer;
mod state;
mod streams_api;
mod tls;
mod v1beta;

use axum::Router;
use clap::Parser;
use state::AppState;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

#[tokio::main]
async fn main() {
    let args = cli::Args::parse();
    let state = AppState::new(args.settings());
    // The npm SDK fetches with credentials: "include", so the origin is echoed, not "*".
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_credentials(true)
        .allow_headers(AllowHeaders::mirror_request())
        .allow_methods(AllowMethods::mirror_request())
        // v1beta's answer headers a cross-origin page must be able to read (§2, §13).
        .expose_headers(
            overshoot_protocol::v1beta::retry::RESPONSE_HEADERS
                .map(axum::http::HeaderName::from_static),
        );
    let mut app = Router::new()
        .nest("/v1beta", v1beta::routes())
        .nest("/__emulator/v1beta", v1beta::test_routes())
        .merge(streams_api::router())
        .merge(livekit::router());
    if let Some(pkg) = args.pkg {
        app = app.nest_service("/pkg", ServeDir::new(pkg));
    }
    if let Some(www) = args.www {
        app = app.fallback_service(ServeDir::new(www));
    }
    let app = app.layer(cors).with_state(state.clone());
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(l) => l,
        Err(e) => exit(&format!("cannot listen on 127.0.0.1:{}", args.port), e),
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    // With a network delay the public port is the delaying relay's, and the server
    // listens on a port of its own behind it (`netem`).
    let listener = if args.network_delay_ms > 0 {
        let inner = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
            Ok(l) => l,
            Err(e) => exit("cannot listen on 127.0.0.1 behind the delay", e),
        };
        let inner_addr = match inner.local_addr() {
            Ok(a) => a,
            Err(e) => exit("no local address behind the delay", e),
        };
        let delay = std::time::Duration::from_millis(args.network_delay_ms);
        tokio::spawn(netem::relay(listener, inner_addr, delay));
        inner
    } else {
        listener
    };
    let ws_scheme = if args.tls { "wss" } else { "ws" };
    state.set_self_url(format!("{ws_scheme}://127.0.0.1:{port}"));
    tokio::spawn(v1beta::sweep_forever(state.clone()));
    let served = if args.tls {
        println!("listening on https://127.0.0.1:{port}");
        tls::serve(listener, app).await
    } else {
        println!("listening on http://127.0.0.1:{port}");
        axum::serve(listener, app).await
    };
    if let Err(e) = served {
        eprintln!("overshoot-emulator: {e}");
    }
}

/// Reports a start-up failure and ends the process.
fn exit(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("overshoot-emulator: {what}: {error}");
    std::process::exit(1);
}
