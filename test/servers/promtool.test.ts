/** promtool (test/support/promtool.ts) accepts a valid rule file and rejects a broken one. */
import { join } from 'node:path';
import { promtoolCheckRules } from '../support/promtool';
import { describeProvisioned } from '../support/provisioned';

const fixture = (name: string) => join(__dirname, 'fixtures', name);

describeProvisioned(['promtool.sh'], 'promtool check rules', () => {
  it('accepts a rule file Prometheus would load', async () => {
    const check = await promtoolCheckRules(fixture('rules-valid.yml'));
    expect(check.output).toContain('SUCCESS: 1 rules found');
    expect(check.ok).toBe(true);
  });

  it('rejects a rule whose expression does not parse, naming the file', async () => {
    const check = await promtoolCheckRules(fixture('rules-invalid.yml'));
    expect(check.ok).toBe(false);
    expect(check.output).toContain('rules-invalid.yml');
    expect(check.output).toMatch(/FAILED/);
  });
});
