/**
 * The cluster lane: Firebreak scaled out the way the README's scale-out section says — a real
 * Temporal server (1.32.1, PostgreSQL), two worker processes and two intake processes, each with
 * its own FIREBREAK_HOME — and what only this topology shows (issue #16's findings), each test
 * failing on the code before the fix:
 * 1. concurrent deliveries of one alert at both intakes: one incident, every delivery 202;
 * 2. `transport: local` steps of an incident on one machine, and a non-idempotent one run
 *    exactly once when its worker is SIGKILLed mid-command;
 * 3. an approval link mailed by a worker verifies at either intake;
 * 4. `/healthz` not ready within 30 s of the last worker leaving;
 * plus incidents resuming after a SIGKILL of the Temporal server, and a recurring alert giving
 * two incidents with their own ids and reports, both reachable from every process.
 *
 * The tests share one topology and run in order; the last one kills every worker.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describeProvisioned } from '../support/provisioned';
import { quietRuntime } from '../support/temporal';
import { READ_HEADERS, fire, getIncident, incidentIdOf, post, waitForIncident } from './support/api';
import type { Answer } from './support/api';
import { restartWorker } from './support/processes';
import type { FirebreakProcess } from './support/processes';
import { PUBLIC_URL, QUEUE, TOKENS, startTopology } from './support/topology';
import type { Topology } from './support/topology';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeProvisioned(['temporal-server.sh', 'mailpit.sh'], 'Firebreak on a Temporal cluster', () => {
  let t: Topology;
  const intake = (i: 0 | 1) => t.intakes[i];

  beforeAll(async () => {
    quietRuntime();
    t = await startTopology();
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
  }, 120_000);

  it('answers every concurrent delivery of one alert at both intakes with 202 and opens one incident', async () => {
    // Both intakes race to open the incident.
    const burst = (fp: string, n: number, at: (i: number) => FirebreakProcess) =>
      Promise.all(Array.from({ length: n }, (_, i) => fire(at(i), { alertname: 'ClusterHold', fp })));
    const raced = await burst('race-1', 24, (i) => intake(i % 2 === 0 ? 0 : 1));
    // Intake B joins an incident intake A opened (B never saw it start).
    const opened = await fire(intake(0), { alertname: 'ClusterHold', fp: 'race-2' });
    const joined = await burst('race-2', 24, () => intake(1));

    for (const [answers, count] of [
      [raced, 24],
      [[opened, ...joined], 25],
    ] as [Answer[], number][]) {
      expect(answers.map((a) => a.status)).toEqual(Array(count).fill(202));
      const ids = new Set(answers.map(incidentIdOf));
      expect(ids.size).toBe(1);
      const started = answers.filter((a) => a.body.incidents?.[0]?.action === 'started');
      expect(started).toHaveLength(1);
      const id = [...ids][0]!;
      const s = await waitForIncident(intake(1), id, (x) => x.alertCount === count, `${count} deliveries`);
      expect(s.alertCount).toBe(count);
    }
  }, 120_000);

  it('opens a new incident with its own id and report when the alert fires again after the last one closed', async () => {
    const fp = 'recurring';
    const first = incidentIdOf(
      await fire(intake(0), { alertname: 'ClusterRecurring', fp, startsAt: '2026-11-21T10:00:00Z' }),
    );
    await waitForIncident(intake(1), first, closedWithReport, 'first incident closed');
    const again = await fire(intake(1), {
      alertname: 'ClusterRecurring',
      fp,
      startsAt: '2026-11-21T11:00:00Z',
    });
    expect(again.body.incidents?.[0]).toMatchObject({ action: 'started', deduplicated: false });
    const second = incidentIdOf(again);
    expect(second).not.toBe(first);
    await waitForIncident(intake(0), second, closedWithReport, 'second incident closed');

    for (const id of [first, second]) {
      for (const i of [0, 1] as const) {
        const r = await getIncident(intake(i), id);
        expect({ id, intake: i, status: r.status, state: r.state?.id }).toEqual({
          id,
          intake: i,
          status: 200,
          state: id,
        });
        // Every process can serve it: no path on a worker's disk is handed out.
        expect(JSON.stringify(r.state)).not.toContain(t.dir);
      }
      const report = await fetch(`${intake(1).url}/v1/incidents/${encodeURIComponent(id)}/report`, {
        headers: READ_HEADERS,
      });
      expect(report.status).toBe(200);
      expect(await report.text()).toContain(id);
      // Each worker kept its own copy: two reports, one file each, under their own names.
      const copies = t.workers.filter((w) => existsSync(join(w.home, 'reports', `${id}.md`)));
      expect(copies.length).toBeGreaterThan(0);
    }

    const cli = (...args: string[]) =>
      run(process.execPath, [join(ROOT, 'bin', 'firebreak.js'), 'incident', ...args], {
        cwd: t.dir,
        env: { ...t.intakes[0].env, FIREBREAK_HOME: join(t.dir, 'cli-home') },
      });
    const shown = JSON.parse((await cli('show', first, '--json')).stdout) as { id: string; status: string };
    expect(shown).toMatchObject({ id: first, status: 'resolved' });
    const listed = (await cli('list', '--all', '--limit', '200')).stdout;
    expect(listed).toContain(first);
    expect(listed).toContain(second);
  }, 180_000);

  it('runs every local step of an incident on one machine, the one its first local step ran on', async () => {
    const h2 = await t.addWorker('w3', 'h2');
    try {
      const ids = await Promise.all(
        Array.from({ length: 6 }, async (_, i) =>
          incidentIdOf(
            await fire(intake(i % 2 === 0 ? 0 : 1), {
              alertname: 'ClusterLocal',
              fp: `pin-${i}`,
              labels: { hold: '0' },
            }),
          ),
        ),
      );
      for (const id of ids) {
        const s = await waitForIncident(intake(0), id, (x) => x.status === 'resolved', 'resolved', 90_000);
        const machine = s.localHost;
        expect(['h1', 'h2']).toContain(machine);
        const ran = s.steps.filter((st) => st.hosts.length > 0);
        expect(ran.map((st) => st.id)).toEqual(['where', 'effect', 'effect.verify.effect-verify#1']);
        for (const st of ran)
          expect({ step: st.id, host: st.hosts[0]?.host }).toEqual({ step: st.id, host: `local@${machine}` });
        expect(s.steps.find((st) => st.id === 'where')?.hosts[0]?.stdout).toBe(machine);
        expect(s.steps.find((st) => st.id === 'effect')?.hosts[0]?.stdout).toBe(machine);
        expect(effects(t, machine!).filter((l) => l.endsWith(id))).toHaveLength(1);
      }
    } finally {
      await h2.stop();
      t.workers.splice(t.workers.indexOf(h2), 1);
    }
  }, 180_000);

  it('runs a non-idempotent local step exactly once when its worker is SIGKILLed mid-command', async () => {
    const id = incidentIdOf(
      await fire(intake(0), { alertname: 'ClusterLocal', fp: 'sigkill', labels: { hold: '6' } }),
    );
    // The step appends "<worker> <incident>" to the machine's effects file, then holds 6 s.
    let line: string | undefined;
    for (let i = 0; i < 300 && !line; i++) {
      line = effects(t, 'h1').find((l) => l.endsWith(` ${id}`));
      if (!line) await sleep(100);
    }
    expect(line).toBeDefined();
    const victim = t.workers.find((w) => w.name === line!.split(' ')[0])!;
    await victim.kill();

    const s = await waitForIncident(intake(1), id, (x) => x.status === 'resolved', 'resolved', 90_000);
    expect(effects(t, 'h1').filter((l) => l.endsWith(` ${id}`))).toHaveLength(1);
    const step = s.steps.find((st) => st.id === 'effect');
    expect(step).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The surviving worker found the claim and the recorded result on the machine: a replay, on the record.
    expect(step?.hosts[0]).toMatchObject({ host: 'local@h1', replayed: true, exitCode: 0 });

    t.workers.splice(t.workers.indexOf(victim), 1, await restartWorker(victim));
  }, 180_000);

  it('verifies an approval link mailed by a worker at either intake: one key and one public URL', async () => {
    await t.mailpit.deleteAll();
    const id = incidentIdOf(await fire(intake(0), { alertname: 'ClusterHold', fp: 'mailed-link' }));
    await waitForIncident(intake(1), id, (x) => x.status === 'awaiting_approval', 'awaiting approval');
    const link = await approvalLink(t, id);
    expect(link.startsWith(`${PUBLIC_URL}/v1/approvals/`)).toBe(true);
    const path = link.slice(PUBLIC_URL.length);

    // GET shows the confirmation page at either intake and decides nothing (issue #14).
    const atB = await fetch(`${intake(1).url}${path}`);
    expect(atB.status).toBe(200);
    const page = await atB.text();
    const atA = await fetch(`${intake(0).url}${path}`);
    expect(atA.status).toBe(200);
    expect(await atA.text()).not.toContain('not valid');
    expect((await waitForIncident(intake(0), id, () => true, 'readable')).status).toBe('awaiting_approval');
    // The page's form, served by B, decides when posted to A: one key signs links and form tokens.
    const confirm = /name="confirm" value="([^"]+)"/u.exec(page)?.[1] ?? '';
    const decided = await fetch(`${intake(0).url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ confirm, decision: 'approve' }).toString(),
    });
    expect(decided.status).toBe(200);
    await waitForIncident(intake(1), id, (x) => x.status === 'resolved', 'resolved');
    // No process made up a key of its own.
    for (const p of [...t.workers, ...t.intakes])
      expect(existsSync(join(p.home, 'approval.key'))).toBe(false);
  }, 120_000);

  it('resumes an incident waiting for approval after the Temporal server is SIGKILLed and restarted', async () => {
    const id = incidentIdOf(await fire(intake(0), { alertname: 'ClusterHold', fp: 'server-kill' }));
    await waitForIncident(intake(1), id, (x) => x.status === 'awaiting_approval', 'awaiting approval');
    await t.cluster.kill();
    await t.cluster.restart();

    let approved = 0;
    for (let i = 0; i < 60 && approved !== 200; i++) {
      approved = await post(intake(1), `/v1/incidents/${id}/approve`, { stepId: 'fix' }, TOKENS.erin).then(
        (r) => r.status,
        () => 0,
      );
      if (approved !== 200) await sleep(1000);
    }
    expect(approved).toBe(200);
    const s = await waitForIncident(intake(0), id, (x) => x.status === 'resolved', 'resolved', 90_000);
    expect(s.steps.find((st) => st.id === 'fix')?.decidedBy).toMatchObject({
      person: 'erin',
      channel: 'api',
    });
    expect((await fire(intake(0), { alertname: 'ClusterHold', fp: 'after-restart' })).status).toBe(202);
  }, 180_000);

  it('reports not ready within 30 s of the last worker leaving, and ready again when one is back', async () => {
    expect((await health(intake(0))).status).toBe(200);
    const gone = t.workers.splice(0);
    await Promise.all(gone.map((w) => w.kill()));
    const left = Date.now();
    let h = await health(intake(0));
    while (h.status === 200 && Date.now() - left < 30_000) {
      await sleep(1000);
      h = await health(intake(0));
    }
    expect({ status: h.status, within30s: Date.now() - left <= 30_000, workers: h.body.workers }).toEqual({
      status: 503,
      within30s: true,
      workers: expect.objectContaining({ live: 0, source: 'worker-heartbeats' }),
    });
    // The server still lists the dead workers' pollers (for minutes): they are not counted.
    const { pollers } = await t.client.workflowService.describeTaskQueue({
      namespace: t.cluster.namespace,
      taskQueue: { name: QUEUE, kind: 1 },
      taskQueueType: 1,
    });
    expect(pollers?.length ?? 0).toBeGreaterThan(0);

    t.workers.push(await restartWorker(gone[0]!));
    const back = Date.now();
    while ((h = await health(intake(1))).status !== 200 && Date.now() - back < 30_000) await sleep(1000);
    expect(h.status).toBe(200);
  }, 120_000);
});

function closedWithReport(s: { status: string; timeline: { kind: string }[] }): boolean {
  return s.status === 'resolved' && s.timeline.some((e) => e.kind === 'report_written');
}

/** Lines of machine `hostId`'s effects file (`<worker> <incident id>` per run of the local fix). */
function effects(t: Topology, hostId: string): string[] {
  const file = join(t.machineHome(hostId), 'effects');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** The Approve link of the approval mail for incident `id` (the mail names the incident's URL). */
async function approvalLink(t: Topology, id: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    for (const m of await t.mailpit.listMessages()) {
      if (!m.Subject.includes('Approve')) continue;
      const text = (await t.mailpit.getMessage(m.ID)).Text;
      const link = /Approve: (\S+)/.exec(text)?.[1];
      if (link && text.includes(encodeURIComponent(id))) return link;
    }
    await sleep(200);
  }
  throw new Error(`no approval mail for ${id}`);
}

async function health(
  i: FirebreakProcess,
): Promise<{ status: number; body: { workers: Record<string, unknown> & { stale: number } } }> {
  const res = await fetch(`${i.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: res.status,
    body: (await res.json()) as { workers: Record<string, unknown> & { stale: number } },
  };
}
