// Helpers of the demo and examples tests: console-error capture, screenshot pixel
// statistics (decoded by Chromium itself) and waiting on the emulator's report.
import { waitFor } from "./harness.mjs";

/** Opens a page that records its console errors and uncaught exceptions. */
export async function trackedPage(browser, options = {}) {
  const page = await browser.newPage(options);
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return { page, errors };
}

/**
 * Decodes a PNG in a blank page and measures it: size, distinct colours (of a
 * sample), standard deviation of the luma, and the shares of strongly red and green pixels.
 */
export async function pixelStats(browser, png) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = new OffscreenCanvas(image.naturalWidth, image.naturalHeight);
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set();
      let sum = 0;
      let sumSquares = 0;
      let red = 0;
      let green = 0;
      let count = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        colours.add((r << 16) | (g << 8) | b);
        const luma = 0.299 * r + 0.587 * g + 0.114 * b;
        sum += luma;
        sumSquares += luma * luma;
        if (r > 180 && g < 70 && b < 70) red += 1;
        if (g > 150 && r < 90 && b < 90) green += 1;
        count += 1;
      }
      const mean = sum / count;
      return {
        width: canvas.width,
        height: canvas.height,
        distinctColours: colours.size,
        lumaStdDev: Math.sqrt(sumSquares / count - mean * mean),
        redShare: red / count,
        greenShare: green / count,
      };
    }, png.toString("base64"));
  } finally {
    await page.close();
  }
}

/** Waits until the emulator reports `count` open streams; returns its report. */
export async function waitForOpenStreams(emulator, count, ms = 10000) {
  return waitFor(async () => {
    const report = await emulator.streams();
    return report.open.length === count ? report : null;
  }, ms, `${count} open stream(s) on the emulator`);
}

/**
 * Init script: records every track the page or the package opens (getUserMedia,
 * getDisplayMedia, canvas captureStream) in `window.openedTracks`, and the object
 * URLs not yet revoked in `window.objectUrls`.
 */
export function recordOpenedTracks() {
  window.openedTracks = [];
  window.objectUrls = new Set();
  const media = navigator.mediaDevices;
  for (const name of ["getUserMedia", "getDisplayMedia"]) {
    const open = media[name].bind(media);
    media[name] = async (constraints) => {
      const stream = await open(constraints);
      window.openedTracks.push(...stream.getTracks());
      return stream;
    };
  }
  const captureStream = HTMLCanvasElement.prototype.captureStream;
  HTMLCanvasElement.prototype.captureStream = function (...args) {
    const stream = captureStream.apply(this, args);
    window.openedTracks.push(...stream.getTracks());
    return stream;
  };
  const create = URL.createObjectURL.bind(URL);
  const revoke = URL.revokeObjectURL.bind(URL);
  URL.createObjectURL = (object) => { const url = create(object); window.objectUrls.add(url); return url; };
  URL.revokeObjectURL = (url) => { window.objectUrls.delete(url); revoke(url); };
}

/** How many of the recorded tracks are still live. */
export const liveTracks = (page) => page.evaluate(() => window.openedTracks.filter((t) => t.readyState === "live").length);

/** What a session may leave behind: live tracks, hidden `<video>`s, object URLs. */
export const leftovers = (page) => page.evaluate(() => ({
  liveTracks: window.openedTracks.filter((t) => t.readyState === "live").length,
  videos: document.querySelectorAll("video:not(#preview)").length,
  objectUrls: window.objectUrls.size,
}));
export const NOTHING_LEFT = { liveTracks: 0, videos: 0, objectUrls: 0 };
