/**
 * Notices combined per person, and the retry schedule of undelivered mails. Pure and deterministic.
 */
import type { MailRequest, Notice } from '../../contracts/notifications';

/** Most urgent first: what a person must act on leads a combined mail. */
const URGENCY: Readonly<Record<Notice['kind'], number>> = {
  approval_needed: 0,
  escalated: 1,
  remediation_failed: 2,
  opened: 3,
  approval_withdrawn: 4,
  remediation_succeeded: 5,
  resolved: 6,
  report: 7,
};

/** Notices queued for people, in the order they were queued. */
export interface QueuedNotice {
  notice: Notice;
  to: readonly string[];
}

/**
 * One mail per person holding every notice queued for them (each once, most urgent first);
 * people in the order they were first addressed.
 */
export function mailsPerPerson(queued: readonly QueuedNotice[]): MailRequest[] {
  const byPerson = new Map<string, Notice[]>();
  for (const q of queued) {
    for (const person of new Set(q.to)) {
      const list = byPerson.get(person) ?? [];
      if (!list.some((n) => JSON.stringify(n) === JSON.stringify(q.notice))) list.push(q.notice);
      byPerson.set(person, list);
    }
  }
  return [...byPerson].map(([to, notices]) => ({
    to,
    notices: notices
      .map((n, i) => ({ n, i }))
      .sort((a, b) => URGENCY[a.n.kind] - URGENCY[b.n.kind] || a.i - b.i)
      .map(({ n }) => n),
  }));
}

/** Delay before retry number `attempt` (1-based): 10 s doubling, capped at 4 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, attempt - 1), 4 * 60_000);
}
