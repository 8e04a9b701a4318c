import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_END, REFERENCE_START, renderSchemaReference } from '../../schema/reference';
import type { SchemaNode } from '../../schema/reference';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'runbook.schema.json'), 'utf8')) as SchemaNode;

/** Every field path of the schema, with array items as `[]` and map entries as `.<name>`. */
function fieldPaths(node: SchemaNode, path: string, out: Set<string>): void {
  for (const variant of [...(node.oneOf ?? []), ...(node.anyOf ?? []), ...(node.allOf ?? [])])
    fieldPaths(variant, path, out);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const p = path ? `${path}.${name}` : name;
    out.add(p);
    fieldPaths(child, p, out);
  }
  if (node.items) fieldPaths(node.items, `${path}[]`, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    fieldPaths(node.additionalProperties, `${path}.<name>`, out);
  }
}

describe('README', () => {
  const block = readme
    .slice(readme.indexOf(REFERENCE_START) + REFERENCE_START.length, readme.indexOf(REFERENCE_END))
    .trim();

  it('carries the runbook reference exactly as generated from the current schema', () => {
    expect(block).toBe(renderSchemaReference(schema).trim());
  });

  it('documents every field of the runbook schema, directly or through a section with the same fields', () => {
    const paths = new Set<string>();
    fieldPaths(schema, '', paths);
    expect(paths.size).toBeGreaterThan(50);
    const missing = [...paths].filter((p) => {
      if (block.includes(`\`${p}\``)) return false;
      // A repeated shape is documented once; its other places say "Same fields as".
      const parent = p.slice(0, Math.max(p.lastIndexOf('.'), 0));
      return !new RegExp(
        `#### \`${parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`\\n\\nSame fields as`,
      ).test(block);
    });
    expect(missing).toEqual([]);
  });

  it('gives the two set-up commands, and CI runs the test command it names', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toContain('npm test');
  });
});
