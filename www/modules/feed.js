// The results feed: newest first, structured results pretty-printed, failed results
// marked. Keeps the last `limit` entries in the page.

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The body of a result: pretty JSON when structured, else the text (or the error). */
function resultBody(result, structured) {
  if (!result.ok) return [element("p", "result-text", result.error || "The model returned no result.")];
  if (!structured) return [element("p", "result-text", result.result)];
  try {
    return [element("pre", "result-json", JSON.stringify(result.json(), null, 2))];
  } catch (error) {
    return [
      element("p", "result-note", `Not valid JSON (${error.name}):`),
      element("p", "result-text", result.result),
    ];
  }
}

export class ResultsFeed {
  constructor({ list, count, empty, limit = 100 }) {
    this.list = list;
    this.count = count;
    this.empty = empty;
    this.limit = limit;
    this.received = 0;
  }

  /** Adds one result at the top. */
  add(result, { structured }) {
    this.received += 1;
    const item = element("li", `result ${result.ok ? "ok" : "failed"}`);
    item.dataset.ok = String(result.ok);

    const head = element("div", "result-head");
    head.append(element("span", "tag", result.ok ? "OK" : "Failed"));
    if (result.finish_reason === "length") head.append(element("span", "tag warn", "Cut short"));
    if (result.finish_reason === "content_filter") head.append(element("span", "tag warn", "Filtered"));
    const time = element("time", "", TIME.format(new Date()));
    time.dateTime = new Date().toISOString();
    head.append(time, element("span", "latency", `${Math.round(result.total_latency_ms)} ms`));

    const meta = element("p", "result-meta");
    meta.append(element("span", "result-prompt", `“${result.prompt}”`), ` · ${result.model_name} · ${result.mode}`);

    item.append(head, ...resultBody(result, structured), meta);
    this.list.prepend(item);
    while (this.list.children.length > this.limit) this.list.lastElementChild.remove();
    this.#showCount();
  }

  clear() {
    this.list.replaceChildren();
    this.received = 0;
    this.#showCount();
  }

  #showCount() {
    this.count.textContent = String(this.received);
    this.empty.hidden = this.received > 0;
  }
}
