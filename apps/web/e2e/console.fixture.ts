import { freePort, TEST_JWT_ENV, waitFor } from '@shopnest/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..', '..');
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
/** Screenshots are committed files: a run rewrites them only when asked (`WEB_SCREENSHOTS=1`), so a test run leaves the tree clean. */
const WRITE_SCREENSHOTS = process.env['WEB_SCREENSHOTS'] === '1';
/** Debian's Chromium (tools/infra/infra.sh tools); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export type Persona = 'shopper' | 'courier' | 'agent' | 'ops';

/** The built `npm start` (dist/apps/embedded) on free ports with development sign-in, and a headless Chromium. */
export class ConsoleFixture {
  private child: ChildProcess | null = null;
  private output = '';
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'shopnest-web-'));
  private readonly contexts: BrowserContext[] = [];
  browser!: Browser;
  ports!: { EDGE_PORT: number; ORDERS_PORT: number; WORKER_PORT: number; SUPPORT_PORT: number; WEB_PORT: number };

  get webUrl(): string {
    return `http://127.0.0.1:${this.ports.WEB_PORT}`;
  }
  get ordersUrl(): string {
    return `http://127.0.0.1:${this.ports.ORDERS_PORT}`;
  }

  async start(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run tools/infra/infra.sh tools`);
    this.ports = {
      EDGE_PORT: await freePort(),
      ORDERS_PORT: await freePort(),
      WORKER_PORT: await freePort(),
      SUPPORT_PORT: await freePort(),
      WEB_PORT: await freePort(),
    };
    await this.launch();
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }

  /** Starts the one process on the fixture's ports and data directory; resolves once it is ready. */
  private async launch(): Promise<void> {
    const env = Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)]));
    this.output = '';
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'embedded')], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        LOG_LEVEL: 'warn',
        ...TEST_JWT_ENV,
        ...env,
        DEV_TOKENS: 'true',
        PGLITE_DATA_DIR: this.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const append = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    await waitFor(() => child.exitCode !== null || /ready in [\d.]+ s/.test(this.output), 60_000);
    if (child.exitCode !== null) throw new Error(`embedded exited with ${child.exitCode}:\n${this.output}`);
  }

  /** Stops the services (SIGTERM, graceful); `whileDown` runs before they start again on the same ports and data. */
  async restart(whileDown: () => Promise<void>): Promise<void> {
    await this.kill();
    await whileDown();
    await this.launch();
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async stop(): Promise<void> {
    for (const context of this.contexts.splice(0)) await context.close().catch(() => undefined);
    await this.browser?.close().catch(() => undefined);
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The sign-in page in a new browser context (its own sessionStorage: its own user). */
  async signInPage(query = ''): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    this.contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    (page as Page & { problems?: string[] }).problems = problems;
    await page.goto(`${this.webUrl}/${query}`);
    await page.locator('button[data-persona]').first().waitFor();
    return page;
  }

  /** A new browser context signed in as `persona` through the sign-in page, once its connection is up. */
  async signIn(persona: Persona, query = ''): Promise<Page> {
    const page = await this.signInPage(query);
    await page.locator(`button[data-persona="${persona}"]`).click();
    await page.locator('.connection[data-state="connected"]').waitFor({ timeout: 10_000 });
    return page;
  }

  /** A development token for REST calls the test makes itself (as ops, a courier, ...). */
  async token(persona: Persona, userId?: string): Promise<string> {
    const response = await fetch(`${this.webUrl}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona, ...(userId && { userId }) }),
    });
    if (!response.ok) throw new Error(`dev/token: ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }

  async rest<T>(base: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }
}

/**
 * Checks the page fits a 390-px phone and, with `WEB_SCREENSHOTS=1`, writes
 * docs/screenshots/<name>-desktop.png and <name>-phone.png of the page as it is.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  if (WRITE_SCREENSHOTS) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`) });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(150);
  // Readable on a phone: nothing wider than the viewport.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`${name}: the page is ${overflow} px wider than a 390-px phone`);
  if (WRITE_SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(viewport);
}

/** Console errors and uncaught exceptions the page reported. */
export function problems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}
