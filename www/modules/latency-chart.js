// A bar chart of the total latency of the last N results, drawn as inline SVG in
// the element's own pixel size (so its text stays sharp at any width).

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 120;
const LEFT = 58; // room for the axis labels
const TOP = 8;
const BOTTOM = 6;

function node(tag, attributes, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value`. */
export function niceCeiling(value) {
  if (!(value > 0)) return 100;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= value);
  return step * power;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export class LatencyChart {
  constructor({ svg, summary, size = 30 }) {
    this.svg = svg;
    this.summary = summary;
    this.size = size;
    this.points = [];
    new ResizeObserver(() => this.render()).observe(svg);
    this.render();
  }

  /** Adds one result's latency (failed results are drawn in the error colour). */
  push(latencyMs, ok) {
    this.points.push({ latencyMs, ok });
    if (this.points.length > this.size) this.points.shift();
    this.render();
  }

  clear() {
    this.points = [];
    this.render();
  }

  render() {
    const width = Math.max(160, Math.round(this.svg.clientWidth || 320));
    this.svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    this.svg.setAttribute("height", String(HEIGHT));
    const values = this.points.map((p) => p.latencyMs);
    const top = niceCeiling(Math.max(0, ...values));
    const plotHeight = HEIGHT - TOP - BOTTOM;
    const y = (ms) => TOP + plotHeight * (1 - Math.min(ms, top) / top);

    const children = [];
    for (const fraction of [0, 0.5, 1]) {
      const value = top * fraction;
      children.push(
        node("line", { class: "grid", x1: LEFT, x2: width, y1: y(value), y2: y(value) }),
        node("text", { class: "axis", x: LEFT - 6, y: y(value) + 4, "text-anchor": "end" }, `${Math.round(value)} ms`),
      );
    }
    const slot = (width - LEFT) / this.size;
    this.points.forEach((point, i) => {
      const barHeight = Math.max(1, y(0) - y(point.latencyMs));
      const bar = node("rect", {
        class: point.ok ? "bar" : "bar failed",
        x: LEFT + i * slot + slot * 0.15,
        y: y(0) - barHeight,
        width: Math.max(1, slot * 0.7),
        height: barHeight,
        rx: 1.5,
      });
      bar.append(node("title", {}, `${Math.round(point.latencyMs)} ms${point.ok ? "" : " (failed)"}`));
      children.push(bar);
    });
    this.svg.replaceChildren(...children);
    this.summary.textContent = values.length === 0
      ? "No results yet."
      : `Last ${values.length}: median ${Math.round(median(values))} ms, `
        + `min ${Math.round(Math.min(...values))} ms, max ${Math.round(Math.max(...values))} ms.`;
  }
}
