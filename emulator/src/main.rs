//! `overshoot-emulator`: a local server that speaks Overshoot's streams API with
//! real WebRTC (str0m) and real video decoding (OpenH264), so the package's demo and
//! tests run with no network and no API key. Its "model" reports the mean colour of
//! the frames it decoded in each result interval.
//!
//! Usage: `overshoot-emulator [--port N] [--ttl SECONDS] [--api-key KEY]...
//! [--no-credits-key KEY]... [--max-streams-per-key N] [--media-ip IP] [--www DIR] [--pkg DIR]
//! [--turn-servers JSON] [--livekit-url URL] [--livekit-token-ttl SECONDS]`. Prints `listening on http://127.0.0.1:PORT`.
//! Default key: `emulator-key`.

mod api;
mod faults;
mod livekit;
mod peer;
mod results;
mod state;

use axum::routing::{get, patch, post};
use axum::Router;
use state::{AppState, Settings};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

struct Args {
    port: u16,
    settings: Settings,
    www: Option<String>,
    pkg: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8787,
        settings: Settings {
            api_keys: Vec::new(),
            ttl_seconds: 30.0,
            turn_servers: None,
            max_streams_per_key: 5,
            no_credit_keys: Vec::new(),
            media_ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            livekit_url: String::new(),
            livekit_token_ttl: std::time::Duration::from_secs(600),
        },
        www: None,
        pkg: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--ttl" => {
                args.settings.ttl_seconds = value()?.parse().map_err(|e| format!("--ttl: {e}"))?
            }
            "--api-key" => args.settings.api_keys.push(value()?),
            "--media-ip" => {
                args.settings.media_ip = value()?.parse().map_err(|e| format!("--media-ip: {e}"))?
            }
            "--no-credits-key" => {
                let key = value()?;
                args.settings.api_keys.push(key.clone());
                args.settings.no_credit_keys.push(key);
            }
            "--max-streams-per-key" => {
                args.settings.max_streams_per_key = value()?
                    .parse()
                    .map_err(|e| format!("--max-streams-per-key: {e}"))?
            }
            "--livekit-url" => args.settings.livekit_url = value()?,
            "--livekit-token-ttl" => {
                let s: f64 = value()?
                    .parse()
                    .map_err(|e| format!("--livekit-token-ttl: {e}"))?;
                args.settings.livekit_token_ttl = std::time::Duration::from_secs_f64(s.max(1.0));
            }
            "--www" => args.www = Some(value()?),
            "--pkg" => args.pkg = Some(value()?),
            "--turn-servers" => {
                let v =
                    serde_json::from_str(&value()?).map_err(|e| format!("--turn-servers: {e}"))?;
                args.settings.turn_servers = Some(v);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.settings.api_keys.len() == args.settings.no_credit_keys.len() {
        args.settings.api_keys.push("emulator-key".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("overshoot-emulator: {e}");
            std::process::exit(2);
        }
    };
    let state = AppState::new(args.settings);
    // The npm SDK fetches with credentials: "include", so the origin is echoed, not "*".
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_credentials(true)
        .allow_headers(AllowHeaders::mirror_request())
        .allow_methods(AllowMethods::mirror_request());
    let mut app = Router::new()
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
    let app = app.layer(cors).with_state(state.clone());
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
    state.set_self_url(format!("ws://127.0.0.1:{port}"));
    println!("listening on http://127.0.0.1:{port}");
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("overshoot-emulator: {e}");
    }
}
