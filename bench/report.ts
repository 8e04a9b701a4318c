/**
 * `npm run bench:report`: rendering cost of the post-incident report. Renders the scripted incident
 * and a large one (every timeline entry and step repeated) to Markdown + HTML, several rounds,
 * and prints time per report and output size. Pure CPU: no files, no mail.
 */
import type { IncidentState } from '../contracts/incident';
import { renderReports } from '../services/report';
import { SECRET, scriptedIncident } from '../test/report/fixtures/incident-state';

function enlarged(factor: number): IncidentState {
  const base = scriptedIncident();
  const steps = Array.from({ length: factor }, (_, i) =>
    base.steps.map((s) => ({ ...s, id: `${s.id}-${i}` })),
  ).flat();
  const timeline = Array.from({ length: factor }, (_, i) =>
    base.timeline.map((e) => ({ ...e, ...(e.stepId ? { stepId: `${e.stepId}-${i}` } : {}) })),
  ).flat();
  return { ...base, steps, timeline };
}

function measure(name: string, state: IncidentState, rounds: number): void {
  const opts = { secrets: [SECRET], links: { incidentBaseUrl: 'http://127.0.0.1:8680/v1/incidents' } };
  renderReports(state, opts); // warm-up
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    const { markdown, html } = renderReports(state, opts);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    bytes = Buffer.byteLength(markdown) + Buffer.byteLength(html);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const p95 = times[Math.min(times.length - 1, Math.floor(times.length * 0.95))] ?? 0;
  console.log(
    `${name.padEnd(34)} timeline ${String(state.timeline.length).padStart(5)}  steps ${String(state.steps.length).padStart(4)}  ` +
      `median ${median.toFixed(2)} ms  p95 ${p95.toFixed(2)} ms  output ${(bytes / 1024).toFixed(1)} KiB`,
  );
}

measure('scripted incident (md + html)', scriptedIncident(), 200);
measure('large incident x40 (md + html)', enlarged(40), 20);
