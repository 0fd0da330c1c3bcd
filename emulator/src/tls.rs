//! `--tls`: HTTPS and WSS with a self-signed certificate for 127.0.0.1 and localhost,
//! made at start, so a connection costs its TLS handshake as on the internet.
//! Browsers must be told to accept it (Chromium: `--ignore-certificate-errors`).

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use std::io;

/// Serves `app` over TLS on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> io::Result<()> {
    // rustls picks a provider by itself only when exactly one is compiled in; a
    // workspace build that includes the gateway (reqwest's ring) has two. `Err` means
    // one is installed already, which is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .map_err(|e| io::Error::other(format!("self-signed certificate: {e}")))?;
    let config = RustlsConfig::from_pem(
        certified.cert.pem().into_bytes(),
        certified.signing_key.serialize_pem().into_bytes(),
    )
    .await?;
    let listener = listener.into_std()?;
    axum_server::from_tcp_rustls(listener, config)
        .serve(app.into_make_service())
        .await
}
