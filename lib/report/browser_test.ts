/**
 * The report in a real browser: headless Chromium (Debian's `chromium`)
 * opens the file from disk, built from run records of every kind. Driven
 * over the DevTools protocol it must log nothing to the console, throw no
 * exception, request nothing but the file itself, draw every chart's
 * marks (the forest plot at the top: one dot per published number and per
 * run of ours, inside the plot, each linking to a run on the page), and
 * sort the trial table when a header is clicked. A screenshot
 * (reports/report-test.png) is saved for review. Skips, saying why, where Chromium is
 * not installed.
 */
import { join } from "node:path";
import { buildReportHtml, readCompleteRuns } from "./build.ts";
import { FOREST_ARIA_LABEL, forestRows } from "./forest.ts";
import { writeSampleRecords } from "../testing/sample_records.ts";

const chromium = await new Deno.Command("chromium", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success).catch(() => false);
if (!chromium) {
  console.log(
    "report browser test skipped: chromium is not installed (apt-get install chromium)",
  );
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-logging=stderr",
  "--v=0",
];

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** A DevTools-protocol connection to one page of a headless Chromium. */
class Browser {
  #process: Deno.ChildProcess;
  #socket: WebSocket;
  #next = 0;
  #pending = new Map<number, (m: CdpMessage) => void>();
  /** Every event received (console calls, exceptions, requests, loads). */
  events: CdpMessage[] = [];

  private constructor(process: Deno.ChildProcess, socket: WebSocket) {
    this.#process = process;
    this.#socket = socket;
    socket.onmessage = (e) => {
      const message = JSON.parse(e.data) as CdpMessage;
      if (message.id !== undefined && this.#pending.has(message.id)) {
        this.#pending.get(message.id)!(message);
        this.#pending.delete(message.id);
      } else if (message.method) {
        this.events.push(message);
      }
    };
  }

  /** Starts Chromium on about:blank and connects to its page. */
  static async start(profile: string): Promise<Browser> {
    const process = new Deno.Command("chromium", {
      args: [
        ...FLAGS,
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let port = "";
    for (let i = 0; i < 200 && !port; i++) {
      try {
        port = (await Deno.readTextFile(join(profile, "DevToolsActivePort")))
          .split("\n")[0].trim();
      } catch {
        await delay(100);
      }
    }
    if (!port) {
      process.kill();
      await process.status;
      throw new Error("Chromium did not open its DevTools port within 20 s");
    }
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`))
      .json() as { type: string; webSocketDebuggerUrl: string }[];
    const page = targets.find((t) => t.type === "page");
    if (!page) throw new Error("Chromium has no page target");
    const socket = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return new Browser(process, socket);
  }

  /** Sends one protocol command and waits for its answer. */
  send(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(
        id,
        (m) =>
          m.error
            ? reject(new Error(`${method}: ${m.error.message}`))
            : resolve(m.result ?? {}),
      );
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the page and returns its value. */
  async evaluate<T>(expression: string): Promise<T> {
    const answer = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
    }) as { result: { value: T }; exceptionDetails?: unknown };
    if (answer.exceptionDetails) {
      throw new Error(
        `${expression}: ${JSON.stringify(answer.exceptionDetails)}`,
      );
    }
    return answer.result.value;
  }

  /** Navigates and waits for the load event. */
  async open(url: string): Promise<void> {
    const before = this.events.length;
    await this.send("Page.navigate", { url });
    for (let i = 0; i < 200; i++) {
      if (
        this.events.slice(before).some((e) =>
          e.method === "Page.loadEventFired"
        )
      ) return;
      await delay(50);
    }
    throw new Error(`${url} did not load within 10 s`);
  }

  /** Closes the connection and ends Chromium. */
  /**
   * Asks Chromium to close (it ends its helper processes and stops writing
   * to its profile), killing it if it has not exited within 5 s.
   */
  async close(): Promise<void> {
    const exited = this.#process.status.then(() => true);
    try {
      this.#socket.send(JSON.stringify({ id: -1, method: "Browser.close" }));
    } catch {
      // The socket is gone: the kill below ends it.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 5_000);
    });
    if (!await Promise.race([exited, timeout])) this.#process.kill();
    clearTimeout(timer);
    await this.#process.status;
    this.#socket.close();
  }
}

/** Expression: clicks a trial-table header, returns that column top to bottom. */
const clickHeader = (name: string) =>
  `(() => {
  const table = [...document.querySelectorAll("table.sortable")]
    .find((t) => t.querySelector("th").textContent === "rank");
  const heads = [...table.querySelectorAll("thead th")];
  const col = heads.findIndex((h) => h.textContent === ${JSON.stringify(name)});
  heads[col].click();
  return [...table.querySelectorAll("tbody tr")].map((r) => r.children[col].textContent).join(",");
})()`;

Deno.test({
  name:
    "report in headless Chromium: no console output or requests, charts (forest plot included) drawn, a gallery of misclassified images in every study, trial table sorts on click, screenshot saved",
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "report_" });
    await writeSampleRecords(join(dir, "runs"));
    const file = join(dir, "index.html");
    const runs = await readCompleteRuns(join(dir, "runs"));
    await Deno.writeTextFile(file, await buildReportHtml(runs, dir));
    const rows = forestRows(runs);
    const expected = {
      published: rows.filter((r) => r.publishedShare !== null).length,
      ours: rows.reduce((a, r) => a + r.ours.length, 0),
    };
    const profile = join(dir, "profile");
    const browser = await Browser.start(profile);
    try {
      await browser.send("Runtime.enable");
      await browser.send("Log.enable");
      await browser.send("Network.enable");
      await browser.send("Page.enable");
      await browser.open(`file://${file}`);

      const svgs = await browser.evaluate<
        { plot: boolean; marks: number; width: number }[]
      >(
        `[...document.querySelectorAll("svg.marks, svg[class^='plot-']")].map((s) => ({
          plot: /plot-/.test(s.getAttribute("class") ?? ""),
          marks: s.querySelectorAll("rect, path, circle, line, text").length,
          width: s.getBoundingClientRect().width,
        }))`,
      );
      const plots = svgs.filter((s) => s.plot);
      const vega = svgs.filter((s) => !s.plot);
      if (plots.length < 4 || vega.length < 2) {
        throw new Error(
          `${plots.length} Plot and ${vega.length} Vega-Lite charts rendered`,
        );
      }
      for (const s of svgs) {
        if (s.marks < 3 || s.width < 50) {
          throw new Error(`a chart is not drawn: ${JSON.stringify(s)}`);
        }
      }

      const forest = await browser.evaluate<
        {
          published: number;
          ours: number;
          inside: boolean;
          width: number;
          links: string[];
          unresolved: string[];
        } | null
      >(
        `(() => {
          const svg = document.querySelector(${
          JSON.stringify(`#at-a-glance svg[aria-label="${FOREST_ARIA_LABEL}"]`)
        });
          if (!svg) return null;
          const box = svg.getBoundingClientRect();
          const ours = [...svg.querySelectorAll("g.forest-ours circle")];
          const links = [...svg.querySelectorAll("a")].map((a) => a.getAttribute("href"));
          return {
            published: svg.querySelectorAll("g.forest-published path").length,
            ours: ours.length,
            inside: ours.every((c) => {
              const r = c.getBoundingClientRect();
              return r.width > 0 && r.left >= box.left && r.right <= box.right &&
                r.top >= box.top && r.bottom <= box.bottom;
            }),
            width: box.width,
            links,
            unresolved: links.filter((h) => !document.getElementById(h.slice(1))),
          };
        })()`,
      );
      if (
        !forest || forest.width < 500 || !forest.inside ||
        forest.published !== expected.published ||
        forest.ours !== expected.ours || expected.ours < 5 ||
        forest.links.length !== expected.ours || forest.unresolved.length
      ) {
        throw new Error(
          `the forest plot is not drawn as expected (${
            JSON.stringify(expected)
          }): ${JSON.stringify(forest)}`,
        );
      }

      const gallery = await browser.evaluate<
        {
          images: { width: number; drawn: number; complete: boolean }[];
          studies: Record<string, number>;
        }
      >(
        `({
          images: [...document.querySelectorAll("img")].map((i) => ({
            width: i.naturalWidth,
            drawn: i.getBoundingClientRect().width,
            complete: i.complete,
          })),
          studies: Object.fromEntries([...document.querySelectorAll("section[id^='study-']")].map((s) =>
            [s.id, [...s.querySelectorAll(".misclassified img")].filter((i) => i.complete && i.naturalWidth > 0).length])),
        })`,
      );
      const studiesWithRuns = [
        "study-000",
        "study-001",
        "study-003",
        "study-004",
      ];
      if (
        gallery.images.length === 0 ||
        gallery.images.some((i) =>
          !i.complete || i.width === 0 || i.drawn < 56
        ) ||
        studiesWithRuns.some((s) => !gallery.studies[s])
      ) {
        throw new Error(
          `the misclassified images are not drawn in every study: ${
            JSON.stringify(gallery)
          }`,
        );
      }

      const filters = await browser.evaluate<string>(clickHeader("filters"));
      if (filters !== "32,32,32,64,64,64,128,128,128") {
        throw new Error(`filters after one click: ${filters}`);
      }
      const accuracy = await browser.evaluate<string>(
        clickHeader("validation accuracy"),
      );
      const values = accuracy.split(",").map((v) => parseFloat(v));
      if (values.some((v, i) => i > 0 && values[i - 1] > v)) {
        throw new Error(`validation accuracy not ascending: ${accuracy}`);
      }
      const descending = await browser.evaluate<string>(
        clickHeader("validation accuracy"),
      );
      if (descending.split(",")[0] !== "90.0%") {
        throw new Error(`second click does not reverse: ${descending}`);
      }

      const console = browser.events.filter((e) =>
        [
          "Runtime.consoleAPICalled",
          "Runtime.exceptionThrown",
          "Log.entryAdded",
        ]
          .includes(e.method ?? "")
      );
      if (console.length) {
        throw new Error(`console output: ${JSON.stringify(console)}`);
      }
      const requests = browser.events.filter((e) =>
        e.method === "Network.requestWillBeSent"
      ).map((e) => (e.params?.request as { url: string }).url);
      // data: URLs are the page's own inline images (the photo galleries).
      const elsewhere = requests.filter((u) =>
        u !== `file://${file}` && !u.startsWith("data:")
      );
      if (elsewhere.length) {
        throw new Error(`the page requested ${elsewhere.join(", ")}`);
      }

      // For review: the search section, sorted by the clicks above.
      await browser.send("Emulation.setDeviceMetricsOverride", {
        width: 1280,
        height: 1600,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await browser.evaluate(
        `document.querySelector("#study-001").scrollIntoView()`,
      );
      const { data } = await browser.send("Page.captureScreenshot", {
        format: "png",
      }) as { data: string };
      const png = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      if (png.length < 10_000) throw new Error("the screenshot is empty");
      await Deno.mkdir("reports", { recursive: true });
      await Deno.writeFile(join("reports", "report-test.png"), png);
    } finally {
      await browser.close();
    }
    await Deno.remove(dir, { recursive: true });
  },
});
