import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { ErrorObject } from 'ajv';
import schema from '../../schema/oncall.schema.json';
import { OnCallConfigError } from './errors';
import { formatDiagnostic, loadYaml, positionOf } from '../../frontend/loader';
import type { LoadedYaml } from '../../frontend/loader';
import type { OnCallConfig } from './types';

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile<OnCallConfig>(schema);

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(root)';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
    case 'required':
      return `${at}: missing required field "${String((e.params as { missingProperty: string }).missingProperty)}"`;
    case 'enum':
      return `${at}: must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    case 'const':
      return `${at}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/** Parse and validate on-call YAML text; throws {@link OnCallConfigError} listing every problem. */
export function parseOnCall(text: string, file: string): OnCallConfig {
  // The runbook loader: same YAML rules (tabs, duplicate keys, binary junk) and positions.
  const p = loadYaml(text, file);
  const syntax = p.diagnostics.filter((d) => d.severity === 'error');
  if (syntax.length) throw new OnCallConfigError(file, syntax.map(formatDiagnostic));
  const data: unknown = p.value;
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const pos = positionOf(p, e.instancePath);
      return `${file}:${pos.line}:${pos.col}: ${describe(e)}`;
    });
    throw new OnCallConfigError(file, problems);
  }
  const problems = crossCheck(data, p, file);
  if (problems.length) throw new OnCallConfigError(file, problems);
  return { ...data, file };
}

/** Read and validate an on-call file. */
export function loadOnCall(file: string): OnCallConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OnCallConfigError(file, [`${file}:1:1: cannot read: ${(err as Error).message}`]);
  }
  return parseOnCall(text, file);
}

/** References the schema cannot check: unique ids, and every contact naming a person or team. */
function crossCheck(c: OnCallConfig, p: LoadedYaml, file: string): string[] {
  const out: string[] = [];
  const at = (pointer: string, msg: string) => {
    const pos = positionOf(p, pointer);
    out.push(`${file}:${pos.line}:${pos.col}: ${msg}`);
  };
  const names = new Set<string>();
  c.people.forEach((person, i) => {
    if (names.has(person.id)) at(`/people/${i}/id`, `duplicate contact id "${person.id}"`);
    names.add(person.id);
  });
  const people = new Set(c.people.map((x) => x.id));
  (c.teams ?? []).forEach((t, i) => {
    if (names.has(t.id))
      at(`/teams/${i}/id`, `duplicate contact id "${t.id}" (people and teams share names)`);
    names.add(t.id);
    t.members.forEach((m, j) => {
      if (!people.has(m)) at(`/teams/${i}/members/${j}`, `team "${t.id}" member "${m}" is not a person`);
    });
  });
  const chains = new Set<string>();
  (c.chains ?? []).forEach((ch, i) => {
    if (chains.has(ch.name)) at(`/chains/${i}/name`, `duplicate chain "${ch.name}"`);
    chains.add(ch.name);
    ch.levels.forEach((l, j) =>
      l.contacts.forEach((name, k) => {
        if (!names.has(name)) at(`/chains/${i}/levels/${j}/contacts/${k}`, `unknown contact "${name}"`);
      }),
    );
  });
  (c.approvers ?? []).forEach((r, i) =>
    r.contacts.forEach((name, k) => {
      if (!names.has(name)) at(`/approvers/${i}/contacts/${k}`, `unknown contact "${name}"`);
    }),
  );
  return out;
}

/**
 * API tokens → person ids, read from each person's `token` source (env var or file). People whose
 * source is unset or empty simply have no token. Token values never leave this map.
 */
export function loadPersonTokens(
  c: OnCallConfig,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const person of c.people) {
    let value: string | undefined;
    if (person.token?.env) value = env[person.token.env];
    else if (person.token?.file) {
      const f = c.file ? path.resolve(path.dirname(c.file), person.token.file) : person.token.file;
      try {
        value = readFile(f);
      } catch {
        value = undefined;
      }
    }
    value = value?.trim();
    if (value) tokens[value] = person.id;
  }
  return tokens;
}
