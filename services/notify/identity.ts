/**
 * What is down, in the words of the alert: its name, the labels that say where (service, instance,
 * host), and its summary. Leads every subject and body, so a person reads the problem before
 * opening anything.
 */
import type { MailIncidentView } from '../../contracts/notifications';

/** Labels that say where the problem is, in the order they are shown. */
export const IDENTITY_LABELS = ['service', 'instance', 'host'] as const;

/** The alert's identity: name, the where-labels it carries, and its summary. */
export interface AlertIdentity {
  alertname: string;
  where: [string, string][];
  summary?: string;
}

/** A value on one line, at most `max` characters (header-safe: no CR/LF survives). */
export function oneLine(s: string, max = 120): string {
  const t = s.replace(/[\r\n\t]+/gu, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function identityOf(view: MailIncidentView): AlertIdentity {
  const { labels } = view.alert;
  const where: [string, string][] = [];
  for (const name of IDENTITY_LABELS) {
    const v = labels[name];
    if (v !== undefined && v !== '') where.push([name, v]);
  }
  // The runbook's service stands in when the alert names none.
  if (!labels.service) where.unshift(['service', view.runbook.service]);
  const summary = view.alert.summary ?? view.alert.description;
  return {
    alertname: labels.alertname ?? view.runbook.title,
    where,
    ...(summary ? { summary } : {}),
  };
}

/** `ServiceDown service=qcat host=db1 — Redis is not answering`, on one line. */
export function identityLine(id: AlertIdentity, withSummary = true): string {
  const where = id.where.map(([k, v]) => `${k}=${oneLine(v, 60)}`).join(' ');
  const head = `${oneLine(id.alertname, 80)}${where ? ` ${where}` : ''}`;
  return withSummary && id.summary ? `${head} — ${oneLine(id.summary, 100)}` : head;
}
