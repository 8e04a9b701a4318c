/** Compares CLI text with a committed golden file (written when missing or when UPDATE_GOLDEN=1). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function expectGolden(name: string, text: string): void {
  const file = join(__dirname, 'fixtures', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}
