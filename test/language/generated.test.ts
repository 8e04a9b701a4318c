import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedSource } from '../../frontend/validator/generate';

describe('ahead-of-time compiled validators', () => {
  it('are up to date with the runbook schema and the action catalog (npm run generate:validators)', () => {
    const onDisk = readFileSync(join(__dirname, '..', '..', 'schema', 'generated', 'validators.ts'), 'utf8');
    expect(onDisk === generatedSource()).toBe(true);
  });
});
