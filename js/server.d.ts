/**
 * A token for overshoot-gateway: a JWT signed HS256 with `secret` (the gateway's
 * `GATEWAY_TOKEN_SECRET`, at least 32 bytes) carrying `sub`, `iat` and `exp`
 * (`iat + ttlSeconds`, default 600). The page uses it as its `apiKey`.
 * Rejects with a `TypeError` for a short secret, an empty `sub` or a bad `ttlSeconds`.
 */
export function mintGatewayToken(
  secret: string | Uint8Array,
  claims: { sub: string; ttlSeconds?: number },
): Promise<string>;
