/**
 * Fake activities recording every call, for workflow tests against a real Temporal server.
 */
import type {
  IncidentActivities,
  NotificationInput,
  RunCommandInput,
  RunCommandResult,
  WriteReportInput,
} from '../../../activities/types';
import type { HostRecord, OnCallSnapshot } from '../../../contracts/incident';
import { isLegacyNotification } from '../../../contracts/notifications';
import type { NoticeKind } from '../../../contracts/notifications';

/** Recipients of a notification activity's input, whichever shape it has. */
export function recipientsOf(input: NotificationInput): string[] {
  return isLegacyNotification(input) ? input.to : input.mails.map((m) => m.to);
}

/** Each notice an input carries, with the people it went to (combined mails split back up). */
export function noticesOf(input: NotificationInput): { kind: NoticeKind; to: string[] }[] {
  if (isLegacyNotification(input)) return [{ kind: input.kind, to: input.to }];
  const out: { kind: NoticeKind; to: string[] }[] = [];
  for (const m of input.mails) {
    for (const n of m.notices) {
      const row = out.find((o) => o.kind === n.kind);
      if (row) row.to.push(m.to);
      else out.push({ kind: n.kind, to: [m.to] });
    }
  }
  return out;
}

export const ONCALL: OnCallSnapshot = {
  people: {
    alice: { id: 'alice', name: 'Alice', email: 'alice@example.test' },
    bob: { id: 'bob', name: 'Bob', email: 'bob@example.test' },
    carol: { id: 'carol', name: 'Carol', email: 'carol@example.test' },
    mallory: { id: 'mallory', name: 'Mallory', email: 'mallory@example.test' },
  },
  levels: [
    { name: 'primary', people: ['alice'] },
    { name: 'secondary', people: ['bob'] },
    { name: 'manager', people: ['carol'] },
  ],
  approvers: ['alice', 'bob'],
  responders: ['alice', 'bob', 'carol'],
  notify: {},
};

export function hostResult(exitCode: number, stdout = '', over: Partial<HostRecord> = {}): HostRecord {
  return {
    host: 'localhost',
    ok: exitCode === 0,
    exitCode,
    stdout,
    stderr: '',
    truncated: false,
    durationMs: 5,
    values: {},
    ...over,
  };
}

export interface FakeActivities extends IncidentActivities {
  commands: RunCommandInput[];
  notifications: NotificationInput[];
  reports: WriteReportInput[];
}

/** `results` maps a step id to its exit code (default 0) or a function producing the result. */
export function fakeActivities(
  results: Record<
    string,
    number | ((i: RunCommandInput) => RunCommandResult | Promise<RunCommandResult>)
  > = {},
): FakeActivities {
  const commands: RunCommandInput[] = [];
  const notifications: NotificationInput[] = [];
  const reports: WriteReportInput[] = [];
  return {
    commands,
    notifications,
    reports,
    async pinLocalHost() {
      return { hostId: 'test-host' }; // no queue of its own: local steps stay on the test's queue
    },
    async resolveOnCall() {
      return ONCALL;
    },
    async runCommand(input) {
      commands.push(input);
      // Longest matching prefix wins, so `fix.verify` can answer differently from `fix`.
      const key = Object.keys(results)
        .sort((x, y) => y.length - x.length)
        .find((k) => input.stepId === k || input.stepId.startsWith(k));
      const r = key === undefined ? 0 : results[key];
      if (typeof r === 'function') return r(input);
      return { hosts: [hostResult(r ?? 0, `output of ${input.stepId}`)] };
    },
    async sendNotification(input) {
      notifications.push(input);
      return {
        deliveries: recipientsOf(input).map((to) => ({
          to,
          email: `${to}@example.test`,
          ok: true,
          messageId: `<${notifications.length}@test>`,
        })),
      };
    },
    async writeReport(input) {
      reports.push(input);
      return {
        markdownPath: `/tmp/${input.incidentId ?? input.state?.id}.md`,
        htmlPath: `/tmp/${input.incidentId ?? input.state?.id}.html`,
        emailed: false,
      };
    },
  };
}
