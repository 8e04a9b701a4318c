import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { renderHtml } from '../../services/report';
import { SECRET, scriptedIncident } from './fixtures/incident-state';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../../test-artifacts');

describe('HTML report in headless Chromium', () => {
  const state = scriptedIncident();
  let work: string;
  let browser: Browser;
  let page: Page;
  const externalRequests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'firebreak-chromium-'));
    const file = join(work, 'report.html');
    writeFileSync(
      file,
      renderHtml(state, {
        secrets: [SECRET],
        links: {
          incidentBaseUrl: 'http://127.0.0.1:8080/v1/incidents',
          temporalUiBaseUrl: 'http://127.0.0.1:8233',
        },
      }),
    );
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: join(work, 'profile'),
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
    const documentUrl = pathToFileURL(file).toString();
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.url() === documentUrl) {
        void req.continue();
      } else {
        // Anything else the report asks for is an external resource it must not have.
        externalRequests.push(req.url());
        void req.abort();
      }
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(documentUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renders a timeline table with one row per timeline entry, in order, with exact timestamps', async () => {
    const rows = await page.$$eval('#timeline-table tbody tr', (trs) =>
      trs.map((tr) =>
        Array.from(
          tr.querySelectorAll('td'),
          (td) => (td as { textContent: string | null }).textContent ?? '',
        ),
      ),
    );
    expect(rows).toHaveLength(state.timeline.length);
    expect(rows.map((r) => r[1])).toEqual(state.timeline.map((e) => e.at));
    const approved = rows.find((r) => r[3] === 'Approved');
    expect(approved?.[4]).toBe('Li Wei (li.wei) via email');
    expect(approved?.[5]).toBe('remediate-terminate');
    expect(approved?.[6]).toContain('comment: Both pids are the stuck batch job; OK to kill.');
    const escalated = rows.find((r) => r[3] === 'Escalated');
    expect(escalated?.[1]).toBe('2026-03-14T02:25:03.120Z');
  });

  it('shows the summary with status, MTTA and MTTR', async () => {
    const summary = await page.$$eval('#summary-table tr', (trs) =>
      Object.fromEntries(
        trs.map((tr) => [
          tr.querySelector('th')?.textContent ?? '',
          tr.querySelector('td')?.textContent ?? '',
        ]),
      ),
    );
    expect(summary['Final status']).toBe('resolved');
    expect(summary.MTTA).toMatch(/^17m 38s \(approved remediate-terminate by Li Wei/u);
    expect(summary.MTTR).toBe('21m 12s');
  });

  it('shows hostile labels as text and runs nothing from them', async () => {
    const pod = await page.$$eval('#labels-table tbody tr', (trs) =>
      trs
        .map((tr) =>
          Array.from(
            tr.querySelectorAll('td'),
            (td) => (td as { textContent: string | null }).textContent ?? '',
          ),
        )
        .find((r) => r[0] === 'pod'),
    );
    expect(pod?.[1]).toBe('<img src=x onerror=alert(1)>');
    expect(await page.$$eval('script', (s) => s.length)).toBe(0);
    expect(await page.$$eval('img', (s) => s.length)).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('loads no external resources', () => {
    expect(externalRequests).toEqual([]);
  });

  it('does not contain the secret in the rendered text', async () => {
    const text = await page.$eval('body', (b) => (b as unknown as { innerText: string }).innerText);
    expect(text).toContain('postgres://qcat:***@127.0.0.1:5432/qcat');
    expect(text).not.toContain(SECRET);
  });

  it('saves a full-page screenshot under test-artifacts/', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });
});
