/** `npm run docs:reference`: regenerates README.md's runbook language reference from the schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaReference, spliceReference } from '../schema/reference';
import type { SchemaNode } from '../schema/reference';

const root = join(__dirname, '..', '..');
const readmePath = join(root, 'README.md');
const schema = JSON.parse(readFileSync(join(root, 'schema', 'runbook.schema.json'), 'utf8')) as SchemaNode;
writeFileSync(readmePath, spliceReference(readFileSync(readmePath, 'utf8'), renderSchemaReference(schema)));
process.stdout.write(`README.md: runbook reference regenerated from schema/runbook.schema.json\n`);
