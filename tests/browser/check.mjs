// Browser checks of HTML files in Debian's Chromium, driven by playwright-core (no browser
// download): horizontal overflow and a screenshot at each width, and axe-core's WCAG 2.1 A/AA
// rules in the light and dark colour schemes. Prints one JSON document on stdout; the
// assertions are in tests/test_visual.py. Plain Node 18 (Debian bookworm's) is enough.
//
//   node tests/browser/check.mjs --out DIR [--widths 375,640] FILE.html...
//
// CHROMIUM in the environment overrides the browser (default /usr/bin/chromium).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

function parseArguments(argv) {
  const options = { out: null, widths: [375, 640], files: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--out") options.out = argv[++i];
    else if (argv[i] === "--widths") options.widths = argv[++i].split(",").map(Number);
    else options.files.push(resolve(argv[i]));
  }
  if (!options.out || options.files.length === 0) {
    throw new Error("usage: check.mjs --out DIR [--widths 375,640] FILE.html...");
  }
  return options;
}

// Runs in the page: how wide the document is, and every element whose box ends right of the
// viewport (a few, described by tag, class and text, outermost first).
function measureOverflow() {
  const viewport = window.innerWidth;
  const describe = (element) => {
    const classes = typeof element.className === "string" && element.className.trim()
      ? "." + element.className.trim().split(/\s+/).join(".") : "";
    const text = (element.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
    return `${element.tagName.toLowerCase()}${classes} "${text}"`;
  };
  // Where an element's box can show: cut by every ancestor that hides its overflow
  // (a visually-hidden label is 1 px wide, whatever its text measures).
  const visibleRight = (element) => {
    let right = element.getBoundingClientRect().right;
    for (let up = element.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX === "hidden" || style.overflowX === "clip") {
        right = Math.min(right, up.getBoundingClientRect().right);
      }
    }
    return right;
  };
  const beyond = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > viewport + 0.5 && visibleRight(element) > viewport + 0.5) {
      beyond.push({ element: describe(element), right: Math.round(box.right * 10) / 10 });
    }
  }
  return {
    innerWidth: viewport,
    scrollWidth: document.documentElement.scrollWidth,
    beyond: beyond.slice(0, 10),
    beyondCount: beyond.length,
  };
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
      summary: node.failureSummary,
    })),
  }));
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  });
  const report = { browser: browser.version(), axe: null, pages: [] };
  try {
    for (const file of options.files) {
      const url = pathToFileURL(file).href;
      // fr_weekly-2024-W42.html: the folder tells apart pages of the same name.
      const name = `${basename(dirname(file))}_${basename(file)}`;
      const entry = { file, widths: {}, axe: {} };
      // One load per page: resize, then switch the colour scheme, as a reader would.
      const context = await browser.newContext({
        viewport: { width: options.widths[0], height: 800 },
        colorScheme: "light",
      });
      const page = await context.newPage();
      await page.goto(url, { waitUntil: "load" });
      for (const width of options.widths) {
        await page.setViewportSize({ width, height: 800 });
        const overflow = await page.evaluate(measureOverflow);
        overflow.screenshot = join(options.out, `${name}.${width}.png`);
        await page.screenshot({ path: overflow.screenshot, fullPage: true });
        entry.widths[width] = overflow;
      }
      await page.addScriptTag({ content: AXE_SOURCE });
      if (report.axe === null) report.axe = await page.evaluate(() => window.axe.version);
      for (const colorScheme of ["light", "dark"]) {
        await page.emulateMedia({ colorScheme });
        entry.axe[colorScheme] = await runAxe(page);
        if (colorScheme === "dark") {
          entry.darkScreenshot = join(options.out, `${name}.dark.png`);
          await page.screenshot({ path: entry.darkScreenshot, fullPage: true });
        }
      }
      await context.close();
      report.pages.push(entry);
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

main().catch((error) => {
  process.stderr.write(`check.mjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
