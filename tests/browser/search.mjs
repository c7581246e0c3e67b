// The archive's search in Debian's Chromium, driven by playwright-core: open each search page
// (served over HTTP: Pagefind fetches its index) with ?q=QUERY, wait for Pagefind's results,
// and report their links and text; take a screenshot at each width and run axe-core's WCAG
// 2.1 A/AA rules on the page with its results, in the light and dark colour schemes.
// Prints one JSON document on stdout; the assertions are in tests/test_archive.py.
//
//   node tests/browser/search.mjs --out DIR [--widths 375,1280] URL...
//
// Each URL is a search page with its query (http://127.0.0.1:PORT/web/fr/search.html?q=mot).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

function parseArguments(argv) {
  const options = { out: null, widths: [375, 1280], urls: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--out") options.out = argv[++i];
    else if (argv[i] === "--widths") options.widths = argv[++i].split(",").map(Number);
    else options.urls.push(argv[i]);
  }
  if (!options.out || options.urls.length === 0) {
    throw new Error("usage: search.mjs --out DIR [--widths 375,1280] URL...");
  }
  return options;
}

async function runAxe(page) {
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    AXE_TAGS,
  );
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.slice(0, 5).map((node) => ({
      target: node.target.join(" "),
      html: node.html.slice(0, 200),
    })),
  }));
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  });
  const report = { browser: browser.version(), searches: [] };
  try {
    for (const [index, url] of options.urls.entries()) {
      const entry = { url, results: [], widths: {}, axe: {}, errors: [] };
      const context = await browser.newContext({
        viewport: { width: options.widths[0], height: 900 },
        colorScheme: "light",
      });
      const page = await context.newPage();
      page.on("pageerror", (error) => entry.errors.push(String(error)));
      await page.goto(url, { waitUntil: "load" });
      // Pagefind shows a message line once the search is done: results, or none.
      await page.waitForSelector(".pagefind-ui__message", { timeout: 30000 });
      await page.waitForFunction(
        () => !/…|\.\.\./.test(document.querySelector(".pagefind-ui__message").textContent),
        null,
        { timeout: 30000 },
      );
      entry.message = await page.textContent(".pagefind-ui__message");
      // The count comes first, the results after, as their fragments load: wait for the
      // first page of them (Pagefind shows five at a time), each loaded. A result still
      // loading is a placeholder without a link; the links of loaded results' sections
      // (sub-results) must not stand in for it.
      await page.waitForFunction(
        () => {
          const said = /\d+/.exec(document.querySelector(".pagefind-ui__message").textContent);
          const count = said ? Number(said[0]) : 0;
          const shown = [...document.querySelectorAll("li.pagefind-ui__result")];
          const loaded = shown.filter((node) =>
            node.querySelector(
              ":scope > .pagefind-ui__result-inner > .pagefind-ui__result-title > a.pagefind-ui__result-link",
            ),
          );
          return shown.length >= Math.min(count, 5) && loaded.length === shown.length;
        },
        null,
        { timeout: 30000 },
      );
      entry.results = await page.$$eval(".pagefind-ui__result", (nodes) =>
        nodes.map((node) => ({
          href: node.querySelector("a.pagefind-ui__result-link")?.getAttribute("href") || "",
          text: (node.textContent || "").replace(/\s+/g, " ").trim(),
        })),
      );
      for (const width of options.widths) {
        await page.setViewportSize({ width, height: 900 });
        const shot = join(options.out, `search-${index}.${width}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        entry.widths[width] = {
          screenshot: shot,
          innerWidth: await page.evaluate(() => window.innerWidth),
          scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth),
        };
      }
      // Through the protocol, not a <script>: the page may forbid inline scripts (CSP).
      await page.evaluate(AXE_SOURCE);
      for (const colorScheme of ["light", "dark"]) {
        await page.emulateMedia({ colorScheme });
        entry.axe[colorScheme] = await runAxe(page);
      }
      await context.close();
      report.searches.push(entry);
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

main().catch((error) => {
  process.stderr.write(`search.mjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
