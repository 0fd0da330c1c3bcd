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
 * sample), standard deviation of the luma, and the share of strongly red pixels.
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
      let count = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        colours.add((r << 16) | (g << 8) | b);
        const luma = 0.299 * r + 0.587 * g + 0.114 * b;
        sum += luma;
        sumSquares += luma * luma;
        if (r > 180 && g < 70 && b < 70) red += 1;
        count += 1;
      }
      const mean = sum / count;
      return {
        width: canvas.width,
        height: canvas.height,
        distinctColours: colours.size,
        lumaStdDev: Math.sqrt(sumSquares / count - mean * mean),
        redShare: red / count,
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

/** Init script: records every track getUserMedia hands out in `window.openedTracks`. */
export function recordCameraTracks() {
  window.openedTracks = [];
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    window.openedTracks.push(...stream.getTracks());
    return stream;
  };
}

/** How many of the recorded camera tracks are still live. */
export const liveTracks = (page) => page.evaluate(() => window.openedTracks.filter((t) => t.readyState === "live").length);
