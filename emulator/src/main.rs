//! `overshoot-emulator`: a local server that speaks Overshoot's streams API with
//! real WebRTC (str0m) and real video decoding (OpenH264), so the package's demo and
//! tests run with no network and no API key. Its "model" reports the mean colour of
//! the frames it decoded in each result interval.
//!
//! Usage: `overshoot-emulator --help` (see `cli.rs`). Prints `listening on
//! http://127.0.0.1:PORT` (`https://` with `--tls`). Default key: `emulator-key`.

mod api;
mod cli;
mod faults;
mod livekit;
mod netem;
mod peer;
mod results;
mod state;
mod tls;
mod v1beta;

use axum::routing::{get, patch, post};
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
        .expose_headers(v1beta::EXPOSED_HEADERS.map(axum::http::HeaderName::from_static));
    let mut app = Router::new()
        .nest("/v1beta", v1beta::routes())
        .nest("/__emulator/v1beta", v1beta::test_routes())
        .route("/streams", post(api::create_stream))
        .route("/streams/{id}", axum::routing::delete(api::close_stream))
        .route("/streams/{id}/keepalive", post(api::keepalive))
        .route("/streams/{id}/config/prompt", patch(api::update_prompt))
        .route("/models", get(api::models))
        .route("/ws/streams/{id}", get(results::results_socket))
        .route("/__emulator/streams", get(api::report))
        .route("/__emulator/credits", post(api::set_credits))
        .route("/__emulator/faults", post(faults::arm))
        .route("/__emulator/streams/{id}/end", post(faults::end_stream))
        .route("/__emulator/streams/{id}/drop-media", post(api::drop_media))
        .route("/rtc/v1", get(livekit::rtc_v1))
        .route("/rtc", get(livekit::rtc_v0))
        .route("/rtc/v1/validate", get(livekit::validate))
        .route("/rtc/validate", get(livekit::validate))
        .route("/__emulator/livekit/token", post(livekit::mint_token))
        .route(
            "/__emulator/livekit/rooms/{room}/drop-signal",
            post(livekit::drop_signal),
        )
        .route(
            "/__emulator/livekit/rooms/{room}/end",
            post(livekit::end_room),
        );
    if let Some(pkg) = args.pkg {
        app = app.nest_service("/pkg", ServeDir::new(pkg));
    }
    if let Some(www) = args.www {
        app = app.fallback_service(ServeDir::new(www));
    }
    let delay = axum::middleware::from_fn_with_state(
        std::time::Duration::from_millis(args.network_delay_ms),
        netem::delay_answers,
    );
    // Outermost: CORS preflights pay the delay too, as they do on a real network.
    let app = app.layer(cors).layer(delay).with_state(state.clone());
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "overshoot-emulator: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
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
