/** Prometheus' own rule checker (built by scripts/provision/promtool.sh), for rule files we ship or generate. */
import { runCheck } from './daemon';
import type { ToolCheck } from './daemon';
import { provisionedPaths } from './provisioned';

export type { ToolCheck };

/** `promtool check rules <file>`: `ok` when Prometheus would load the file, `output` says why not. */
export function promtoolCheckRules(file: string): Promise<ToolCheck> {
  const [bin] = provisionedPaths('promtool.sh');
  return runCheck(bin ?? 'promtool', ['check', 'rules', file]);
}
