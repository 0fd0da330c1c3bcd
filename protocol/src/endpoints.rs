//! URLs of the API's endpoints. None of them ever carries the API key: it travels in
//! the `Authorization` header and the WebSocket's first message only.

/// A validated base URL such as `https://api.overshoot.ai/v1` (no trailing slash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(String);

/// Why a base URL was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadBaseUrl(pub String);

impl BaseUrl {
    /// Accepts `https://…` anywhere and `http://…` for loopback hosts (`localhost`,
    /// `127.0.0.1`, `[::1]`) or when `allow_insecure` is set: an API key must not
    /// cross the internet in clear text.
    pub fn parse(url: &str, allow_insecure: bool) -> Result<BaseUrl, BadBaseUrl> {
        let url = url.trim().trim_end_matches('/');
        let (scheme, rest) = split_scheme(url)
            .ok_or_else(|| BadBaseUrl("must be an absolute http(s) URL".into()))?;
        let host_port = before_byte(rest, b'/');
        if host_port.is_empty() || rest.bytes().any(|b| matches!(b, b'?' | b'#' | b' ')) {
            return Err(BadBaseUrl(
                "must be an absolute http(s) URL without query or fragment".into(),
            ));
        }
        let host = host_of(host_port)
            .ok_or_else(|| BadBaseUrl("has an IPv6 host without its closing ]".into()))?;
        if scheme.eq_ignore_ascii_case("http") {
            let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
            if !loopback && !allow_insecure {
                return Err(BadBaseUrl(
                    "http:// is only allowed for localhost/127.0.0.1; use https:// (or set allowInsecureHttp)".into(),
                ));
            }
        } else if !scheme.eq_ignore_ascii_case("https") {
            return Err(BadBaseUrl("must start with https:// or http://".into()));
        }
        Ok(BaseUrl(url.to_string()))
    }

    /// The base URL as given (without trailing slash).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `POST {base}/streams`.
    pub fn streams(&self) -> String {
        format!("{}/streams", self.0)
    }

    /// `{base}/streams/{id}` (DELETE).
    pub fn stream(&self, id: &str) -> String {
        format!("{}/streams/{}", self.0, encode_segment(id))
    }

    /// `POST {base}/streams/{id}/keepalive`.
    pub fn keepalive(&self, id: &str) -> String {
        format!("{}/keepalive", self.stream(id))
    }

    /// `PATCH {base}/streams/{id}/config/prompt`.
    pub fn prompt(&self, id: &str) -> String {
        format!("{}/config/prompt", self.stream(id))
    }

    /// `GET {base}/models`.
    pub fn models(&self) -> String {
        format!("{}/models", self.0)
    }

    /// `{ws base}/ws/streams/{id}`: `http`→`ws`, `https`→`wss`.
    pub fn results_socket(&self, id: &str) -> String {
        let ws_base = if let Some(rest) = strip_prefix_ci(&self.0, "https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = strip_prefix_ci(&self.0, "http://") {
            format!("ws://{rest}")
        } else {
            self.0.clone()
        };
        format!("{ws_base}/ws/streams/{}", encode_segment(id))
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    // `get`, not slicing: a prefix length can fall inside a multi-byte character.
    match s.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => s.get(prefix.len()..),
        _ => None,
    }
}

/// The host of `user@host:port`; an IPv6 literal keeps its brackets. `None` when a
/// bracket is left open.
fn host_of(host_port: &str) -> Option<&str> {
    let no_user = match host_port.bytes().rposition(|b| b == b'@') {
        Some(at) => host_port.get(at + 1..)?,
        None => host_port,
    };
    if no_user.starts_with('[') {
        let end = no_user.bytes().position(|b| b == b']')?;
        return no_user.get(..=end);
    }
    Some(before_byte(no_user, b':'))
}

// The URL helpers below search bytes and cut with `get`, not with `str` patterns and
// slicing: in the wasm build those bring in the generic searchers and the panic
// message of a slice inside a character (with the JWT reader, ≈ 6 KB gzip).

/// `scheme` and the rest of `scheme://rest`.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let at = url.as_bytes().windows(3).position(|w| w == b"://")?;
    Some((url.get(..at)?, url.get(at + 3..)?))
}

/// `s` up to the first `byte` (an ASCII byte), or all of it.
fn before_byte(s: &str, byte: u8) -> &str {
    match s.bytes().position(|b| b == byte) {
        Some(at) => s.get(..at).unwrap_or(s),
        None => s,
    }
}

/// The path of an absolute URL (`/v1/streams` of `https://host/v1/streams`), for
/// messages: the URL without its scheme and host. The URL itself when it has no path.
pub fn path_of(url: &str) -> &str {
    split_scheme(url)
        .and_then(|(_, rest)| rest.get(rest.bytes().position(|b| b == b'/')?..))
        .unwrap_or(url)
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters pass through).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            // By table, not `format!("{b:02X}")`: hex formatting is 0.1 KB of wasm.
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Decodes the `%XX` escapes of a path segment (the inverse of [`encode_segment`]);
/// `None` for a broken escape or a non-UTF-8 result.
pub fn decode_segment(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Two hex digits exactly: `from_str_radix` alone would also take a sign (`%+1`).
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
