import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/**
 * Drives a real browser (Debian's `chromium`, through playwright-core) over a
 * rendered report, so tests check what a reader sees: that the page runs
 * without errors, fetches nothing, and that every chart drew its data.
 */

/** The Chromium binary: Debian's, unless LOADSIM_CHROMIUM names another. */
export const chromiumPath = process.env.LOADSIM_CHROMIUM || '/usr/bin/chromium';

/** Whether the browser can be started here (the binary exists and is executable). */
export function browserAvailable(): boolean {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RenderedChart {
  title: string;
  /** Data series, the x series not counted. */
  series: number;
  /** Non-null values over all data series. */
  points: number;
  /** Canvas pixels that are not transparent: axes, grid and data. */
  nonBlankPixels: number;
  /** Canvas pixels in a colour (not grey): only the data series are drawn in colour, so these prove data was plotted. */
  colouredPixels: number;
}

export interface RenderResult {
  consoleErrors: string[];
  /** Every URL the page requested besides the file itself. */
  requests: string[];
  charts: RenderedChart[];
}

/** Flags for a quiet, isolated headless run: no GPU, no network of Chromium's own. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const LAUNCH_TIMEOUT_MS = 30_000;
const PAGE_TIMEOUT_MS = 20_000;

/**
 * Open `htmlFile` in headless Chromium and report errors, requests and the
 * charts in `window.loadsimCharts`; with `screenshotPng`, save a full-page
 * screenshot there. The browser runs with a fresh profile, removed afterwards.
 */
export async function renderInBrowser(htmlFile: string, screenshotPng?: string): Promise<RenderResult> {
  const fileUrl = pathToFileURL(path.resolve(htmlFile)).href;
  // playwright refuses --user-data-dir in args: a persistent context is how it takes a profile folder.
  const profile = mkdtempSync(path.join(tmpdir(), 'loadsim-chromium-'));
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ARGS,
      timeout: LAUNCH_TIMEOUT_MS,
      viewport: { width: 1400, height: 900 },
      offline: true,
    });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    context.on('request', (req) => {
      if (req.url() !== fileUrl) requests.push(req.url());
    });
    // Recorded above, and refused here: a test run must not reach the network even when the report is wrong.
    await context.route(
      (url) => url.href !== fileUrl,
      (route) => route.abort(),
    );
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
    await page.goto(fileUrl, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    await page.waitForFunction(() => Array.isArray((globalThis as unknown as { loadsimCharts?: unknown }).loadsimCharts), undefined, { timeout: PAGE_TIMEOUT_MS });
    // Two animation frames: uPlot draws on the frame after it is created.
    await page.evaluate(() => {
      const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): number }).requestAnimationFrame;
      return new Promise<void>((resolve) => raf(() => raf(() => resolve())));
    });
    const charts = await page.evaluate(measureCharts);
    if (screenshotPng) {
      mkdirSync(path.dirname(screenshotPng), { recursive: true });
      await page.screenshot({ path: screenshotPng, fullPage: true, timeout: PAGE_TIMEOUT_MS });
    }
    return { consoleErrors, requests, charts };
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Runs in the page (serialized by playwright, so self-contained). The tsconfig
 * has no DOM types: the few browser objects used are typed loosely here.
 */
function measureCharts(): RenderedChart[] {
  type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
  type Plot = { series: unknown[]; data: ArrayLike<ArrayLike<number | null | undefined>>; ctx: { canvas: Canvas } };
  const list = (globalThis as unknown as { loadsimCharts: { title: string; uplot: Plot }[] }).loadsimCharts;
  return list.map(({ title, uplot }) => {
    let points = 0;
    for (let s = 1; s < uplot.data.length; s++) {
      const ys = uplot.data[s]!;
      for (let i = 0; i < ys.length; i++) if (ys[i] != null && Number.isFinite(ys[i])) points++;
    }
    const canvas = uplot.ctx.canvas;
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    let nonBlankPixels = 0;
    let colouredPixels = 0;
    if (pixels) {
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3]! === 0) continue;
        nonBlankPixels++;
        const r = pixels[i]!;
        const g = pixels[i + 1]!;
        const b = pixels[i + 2]!;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 40) colouredPixels++;
      }
    }
    return { title, series: uplot.series.length - 1, points, nonBlankPixels, colouredPixels };
  });
}
