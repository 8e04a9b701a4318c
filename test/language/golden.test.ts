import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostics } from '../../frontend/loader/diagnostics';
import { validateRunbook } from '../../frontend/validator';

const ROOT = join(__dirname, '..', '..');
const DIR = 'test/language/fixtures/broken';
const fixtures = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml'));

/** `UPDATE_GOLDEN=1 npx jest test/language/golden` rewrites the expected files (review the diff). */
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden diagnostics for broken runbooks', () => {
  it('has fixtures for YAML, schema and semantic errors', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
  });

  it.each(fixtures)('%s reports exactly the expected file:line:col diagnostics', (name) => {
    const file = `${DIR}/${name}`;
    const result = validateRunbook(readFileSync(join(ROOT, file), 'utf8'), file);
    const actual = formatDiagnostics(result.diagnostics).join('\n') + '\n';
    const expectedFile = join(ROOT, DIR, name.replace(/\.yaml$/, '.expected'));
    if (update) writeFileSync(expectedFile, actual);
    expect(result.plan).toBeUndefined();
    expect(actual).toBe(readFileSync(expectedFile, 'utf8'));
  });
});
