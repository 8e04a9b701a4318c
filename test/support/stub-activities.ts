/**
 * For tests about alerts, mail and approvals: commands that touch nothing and a report that is
 * not written, so the incident flows through without SSH targets.
 */
import type { IncidentActivities } from '../../activities/types';

export function inertCommandsAndReport(): Pick<
  IncidentActivities,
  'runCommand' | 'writeReport' | 'pinLocalHost'
> {
  return {
    pinLocalHost: async () => ({ hostId: 'test-host' }),
    runCommand: async () => ({ hosts: [] }),
    writeReport: async (i) => ({
      markdownPath: `/tmp/${i.incidentId ?? i.state?.id}.md`,
      htmlPath: `/tmp/${i.incidentId ?? i.state?.id}.html`,
      emailed: false,
    }),
  };
}
