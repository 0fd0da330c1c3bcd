// overshoot-wasm/server: what an app's backend needs to put overshoot-gateway in front
// of Overshoot. WebCrypto only (Node ≥ 18, Deno, Bun, edge workers); no dependencies,
// and it never loads the wasm.

const encoder = new TextEncoder();

/** base64url without padding (RFC 7515 §2). */
function base64url(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const jsonPart = (value) => base64url(encoder.encode(JSON.stringify(value)));

/**
 * A token for overshoot-gateway: a JWT signed HS256 with `secret` (the gateway's
 * GATEWAY_TOKEN_SECRET, at least 32 bytes), carrying `sub`, `iat` and `exp`. Give it to
 * the signed-in user's page as its `apiKey`.
 * @param {string | Uint8Array} secret
 * @param {{ sub: string, ttlSeconds?: number }} claims
 * @returns {Promise<string>}
 */
export async function mintGatewayToken(secret, { sub, ttlSeconds = 600 } = {}) {
  const key = typeof secret === "string" ? encoder.encode(secret) : secret;
  if (!(key instanceof Uint8Array) || key.length < 32) {
    throw new TypeError("mintGatewayToken: the secret must be at least 32 bytes (the gateway refuses shorter ones)");
  }
  if (typeof sub !== "string" || sub.trim() === "") {
    throw new TypeError("mintGatewayToken: sub must be a non-empty string (the user's id)");
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new TypeError("mintGatewayToken: ttlSeconds must be a positive integer");
  }
  const iat = Math.floor(Date.now() / 1000);
  const signingInput = `${jsonPart({ alg: "HS256", typ: "JWT" })}.${jsonPart({ sub, iat, exp: iat + ttlSeconds })}`;
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, encoder.encode(signingInput)));
  return `${signingInput}.${base64url(signature)}`;
}
