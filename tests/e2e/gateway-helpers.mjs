// Shared by the gateway tests: tokens signed in the test (node:crypto, not the
// gateway's code), a CDP recorder of everything the page received, and stream-creating
// helpers run in the page.
import { createHmac } from "node:crypto";

const b64url = (data) => Buffer.from(data).toString("base64url");

/** A JWT with any header and claims, signed HS256 with `secret` (or unsigned for alg none). */
export function signJwt(claims, secret, header = { alg: "HS256", typ: "JWT" }) {
  const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  if (header.alg === "none") return `${head}.`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

/**
 * Records, over CDP, every HTTP response body and WebSocket frame the page receives;
 * `texts()` resolves with all of them (bodies fetched once the load finished).
 */
export async function recordTraffic(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const frames = [];
  const bodies = [];
  const headers = [];
  cdp.on("Network.webSocketFrameReceived", (e) => frames.push(e.response.payloadData));
  cdp.on("Network.responseReceived", (e) => headers.push(JSON.stringify(e.response.headers)));
  cdp.on("Network.loadingFinished", (e) => {
    bodies.push(cdp.send("Network.getResponseBody", { requestId: e.requestId }).then((b) => b.body, () => ""));
  });
  return {
    frames,
    async texts() {
      return [...frames, ...headers, ...(await Promise.all(bodies))];
    },
    detach: () => cdp.detach().catch(() => {}),
  };
}

/** Installs `window.gw` helpers in a page: typed error capture and raw socket probes. */
export async function installPageHelpers(page) {
  await page.evaluate(() => {
    window.gw = {
      async error(fn) {
        try {
          await fn();
          return null;
        } catch (e) {
          return { name: e.name, status: e.status, message: e.message, details: e.details };
        }
      },
      request: (sdp) => ({ source: { type: "webrtc", sdp }, inference: { prompt: "p", model: "m" } }),
      /** Opens the results socket with `token` as its first message; resolves with the first message or the close. */
      socket(base, id, token, waitMs = 8000) {
        return new Promise((ok) => {
          const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws/streams/${id}`);
          const timer = setTimeout(() => { ws.close(); ok({ timeout: true }); }, waitMs);
          ws.onopen = () => ws.send(JSON.stringify({ api_key: token }));
          ws.onmessage = (m) => { clearTimeout(timer); ws.close(); ok({ message: JSON.parse(m.data) }); };
          ws.onclose = (c) => { clearTimeout(timer); ok({ code: c.code, reason: c.reason }); };
        });
      },
    };
  });
}
