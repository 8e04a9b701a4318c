/**
 * The console in headless Chromium against a real engine (Temporal dev server, the real workflow
 * and activities, Mailpit): sign in, watch an incident appear without reloading, approve it with
 * the button, see the remediation run and the status change live, open the report, sign out —
 * with the keyboard where a person would, and on a 375 px wide phone screen. Screenshots go to
 * test-artifacts/ (console-*.png).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { describeProvisioned } from '../support/provisioned';
import { TOKENS, startConsoleEngine } from './support/engine';
import type { ConsoleEngine } from './support/engine';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../../test-artifacts');

let engine: ConsoleEngine;
let browser: Browser;
let page: Page;
let profile: string;
let incidentId = '';
const dialogs: string[] = [];
/** Live-update latencies measured here, kept in test-artifacts/console-live.json. */
const live: Record<string, number> = {};
function recordLatency(name: string, ms: number): void {
  live[name] = ms;
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'console-live.json'), JSON.stringify(live) + '\n');
}
const pageErrors: string[] = [];

async function shot(name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `console-${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage });
  return file;
}

/** The visible text of the element `selector`, or '' when it is not there. */
async function textOf(selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as { innerText: string }).innerText).catch(() => '');
}

/** Marks the current document: still marked later means the page was never reloaded. */
async function mark(): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { firebreakMark: number }).firebreakMark = 42;
  });
}
async function stillMarked(): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { firebreakMark?: number }).firebreakMark === 42);
}

describeProvisioned(['mailpit.sh'], 'the console in headless Chromium', () => {
  beforeAll(async () => {
    engine = await startConsoleEngine('console-chromium');
    profile = mkdtempSync(join(tmpdir(), 'fb-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.setViewport({ width: 1100, height: 900 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('sends a visitor to sign in and signs a person in with their token, using only the keyboard', async () => {
    await page.goto(`${engine.url}/`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/signin');
    // The token field has the focus; typing and Enter submit the form.
    await page.keyboard.type(TOKENS.alice);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await textOf('header.top')).toContain('Signed in as alice');
    // The first Tab reaches the skip link, which moves past the header.
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document
            .activeElement.textContent,
      ),
    ).toBe('Skip to content');
    await shot('signed-in');
  });

  it('shows a new incident on the open list within two seconds, without a reload', async () => {
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { textContent: string } | null };
          }
        ).document
          .getElementById('live-note')
          ?.textContent?.startsWith('Live') === true,
      { timeout: 10_000 },
    );
    await mark();
    const fired = Date.now();
    incidentId = await engine.fire('browser');
    await page.waitForSelector(`li[data-id="${incidentId}"]`, { timeout: 15_000 });
    const seenAfterMs = Date.now() - fired;
    expect(await stillMarked()).toBe(true);
    // Within about 2 s of the workflow starting (the list polls every second); kept for the record.
    // The bound leaves room for a loaded test machine; the figure itself is in console-live.json.
    recordLatency('newIncidentSeenAfterMs', seenAfterMs);
    expect(seenAfterMs).toBeLessThan(3_000);
    expect(await textOf(`li[data-id="${incidentId}"]`)).toContain('DiskFillingUp');
    await shot('list');
  });

  it('opens the incident, shows the exact command waiting for approval, and approves it with the button', async () => {
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click(`li[data-id="${incidentId}"] a.title`),
    ]);
    expect(new URL(page.url()).pathname).toBe(`/incidents/${incidentId}`);
    await page.waitForSelector('#approval-cleanup-logs button.approve', { timeout: 20_000 });
    const card = await textOf('#approval-cleanup-logs');
    expect(card).toContain(`dir='${engine.logdir}'`);
    expect(card).toContain('here — hosts: localhost');
    expect(await textOf('#summary')).toMatch(
      /Escalation\s+paged level 1 \(primary\); 1 page\(s\) so far; next page to level 2 \(manager\)/u,
    );
    expect(await textOf('#alert')).toContain('host\tgw1');
    // A change made elsewhere (a note through the API) appears on the open page without a reload.
    await mark();
    const noted = Date.now();
    const res = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(incidentId)}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.carol}` },
      body: JSON.stringify({ text: 'checking the disk from my laptop' }),
    });
    expect(res.status).toBe(200);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { textContent: string } | null };
          }
        ).document
          .getElementById('timeline')
          ?.textContent?.includes('checking the disk from my laptop') === true,
      { timeout: 15_000 },
    );
    recordLatency('noteSeenOnIncidentPageAfterMs', Date.now() - noted);
    expect(await stillMarked()).toBe(true);
    expect(live.noteSeenOnIncidentPageAfterMs).toBeLessThan(3_000);
    await shot('awaiting-approval');
    // The same on a phone: the approval card, its command and its buttons on a 375 px screen.
    await page.setViewport({ width: 375, height: 812, isMobile: true, hasTouch: true });
    await page.$eval('#approvals', (el) => (el as unknown as { scrollIntoView(): void }).scrollIntoView());
    await shot('phone-375-approval', false);
    await page.setViewport({ width: 1100, height: 900 });

    await page.type('#approval-cleanup-logs textarea[name=comment]', 'old logs only; go');
    // From the comment, Tab reaches Approve; Enter presses it.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document
          .activeElement.textContent,
    );
    expect(focused.trim()).toBe('Approve');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    expect(await textOf('.flash.ok')).toContain('Approved');
  });

  it('shows the remediation run and the status change live, without a reload', async () => {
    await mark();
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { textContent: string } | null };
          }
        ).document.getElementById('status')?.textContent === 'resolved',
      { timeout: 30_000 },
    );
    expect(await stillMarked()).toBe(true);
    const step = await textOf('#step-cleanup-logs');
    expect(step).toContain('succeeded');
    expect(step).toContain('approved by alice (ui)');
    expect(step).toContain('comment: old logs only; go');
    expect(readdirSync(engine.logdir)).toEqual(['gateway.log']);
    // The host's output is there to open: files and bytes freed.
    await page.click('#step-cleanup-logs details summary');
    expect(await textOf('#step-cleanup-logs')).toMatch(/files=3/u);
    expect(await textOf('#timeline')).toContain('alice approved cleanup-logs');
    await shot('resolved');
  });

  it('fits a 375 px wide phone screen', async () => {
    await page.setViewport({ width: 375, height: 812, isMobile: true, hasTouch: true });
    await page.reload({ waitUntil: 'load' });
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    const widths = await page.evaluate(() => {
      const d = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document;
      return { scroll: d.documentElement.scrollWidth, client: d.documentElement.clientWidth };
    });
    expect(widths.client).toBe(375);
    expect(widths.scroll).toBeLessThanOrEqual(376);
    const file = await shot('phone-375', false);
    await shot('phone-375-full');
    expect(statSync(file).size).toBeGreaterThan(10_000);
    await page.setViewport({ width: 1100, height: 900 });
  });

  it('opens the report of the incident from its page', async () => {
    await page.goto(`${engine.url}/incidents/${incidentId}`, { waitUntil: 'load' });
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('#summary a[href$="/report"]'),
    ]);
    const text = await textOf('body');
    expect(text).toContain(incidentId);
    expect(text).toContain('Post-incident report');
    expect(text).toMatch(/alice approved cleanup-logs/u);
    await shot('report');
  });

  it('signs out, after which the console asks to sign in again', async () => {
    await page.goto(`${engine.url}/`, { waitUntil: 'load' });
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('header.top button[type=submit]'),
    ]);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.goto(`${engine.url}/incidents/${incidentId}`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/signin');
    const cookies = await browser.defaultBrowserContext().cookies();
    expect(cookies.filter((c) => c.name === 'fb_session')).toEqual([]);
  });

  it('ran no dialogs and threw no script errors on any page', () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(existsSync(join(ARTIFACTS, 'console-phone-375.png'))).toBe(true);
  });
});
