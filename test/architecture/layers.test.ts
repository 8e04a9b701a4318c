/**
 * The layering the README's Architecture section describes, proven two ways: ESLint refuses a
 * file that imports upward (or a Node built-in into code the workflow bundle loads, or a function
 * longer than 200 lines), and the real import graph of the source tree has no upward edge and no
 * cycle between folders.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');

/** Layers lowest first, as eslint.config.mjs declares them. */
const LAYERS: string[][] = [
  ['contracts', 'schema'],
  ['language'],
  ['frontend'],
  ['services'],
  ['workflows', 'activities', 'worker'],
  ['apps'],
];
const NESTED = new Set(['language', 'frontend', 'services', 'apps']);

function layerOf(file: string): number {
  const top = file.split('/')[0] ?? '';
  return LAYERS.findIndex((l) => l.includes(top));
}

/** The folder a file belongs to for cycle checks: `services/transport`, `workflows`, … */
function unitOf(file: string): string {
  const parts = file.split('/');
  return NESTED.has(parts[0] ?? '') && parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] ?? '');
}

function sourceFiles(dir = ROOT, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (
        ['node_modules', 'dist', '.git', '.firebreak', 'test', 'bench', 'scripts', 'test-artifacts'].includes(
          e.name,
        )
      )
        continue;
      sourceFiles(p, out);
    } else if (e.name.endsWith('.ts')) out.push(relative(ROOT, p));
  }
  return out;
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(ROOT, dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(c) && statSync(c).isFile()) return relative(ROOT, c);
  }
  return undefined;
}

/** Value and type imports of every source file, resolved to repository paths. */
function importGraph(): { from: string; to: string }[] {
  const edges: { from: string; to: string }[] = [];
  for (const file of sourceFiles()) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    for (const i of info.importedFiles) {
      if (!i.fileName.startsWith('.')) continue;
      const to = resolveImport(file, i.fileName);
      if (to) edges.push({ from: file, to });
    }
  }
  return edges;
}

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/**
 * Lints `code` as if it were the file `filePath`, with the project's ESLint config. The fixtures
 * are virtual, so type information is off (the layer, sandbox and length rules need none). ESLint
 * loads its ESM config only outside jest's module sandbox, hence the child process.
 */
function lintFixture(filePath: string, code: string): LintMessage[] {
  const out = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--stdin',
      '--stdin-filename',
      filePath,
      '--format',
      'json',
      '--rule',
      '@typescript-eslint/no-floating-promises: off',
      '--rule',
      '@typescript-eslint/consistent-type-imports: off',
      '--parser-options',
      'projectService:false',
    ],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  if (out.status !== 0 && out.status !== 1) throw new Error(`eslint failed: ${out.stderr}`);
  const results = JSON.parse(out.stdout) as { messages: LintMessage[] }[];
  return results.flatMap((r) => r.messages);
}

const messages = (results: LintMessage[]): string[] => results.map((m) => `${m.ruleId}: ${m.message}`);

describe('layers', () => {
  it('lint refuses a service that imports an app', () => {
    const out = messages(
      lintFixture(
        'services/config/layer-fixture.ts',
        "import { startIntake } from '../../apps/intake';\nexport const x = startIntake;\n",
      ),
    );
    expect(out).toEqual([
      expect.stringMatching(/no-restricted-imports: .*Layer "services" may not import a higher layer/),
    ]);
  });

  it('lint refuses pure language code that imports the front end or a Node built-in', () => {
    const out = messages(
      lintFixture(
        'language/plan/layer-fixture.ts',
        "import { loadLibrary } from '../../frontend/library';\nimport { readFileSync } from 'node:fs';\nexport const x = [loadLibrary, readFileSync];\n",
      ),
    );
    expect(out).toEqual([
      expect.stringMatching(/Layer "language" may not import a higher layer/),
      expect.stringMatching(/Node built-ins are not allowed in code the workflow bundle imports/),
    ]);
  });

  it('lint refuses a workflow that imports an activity as a value but allows it as a type', () => {
    const value = messages(
      lintFixture(
        'workflows/incident/layer-fixture.ts',
        "import { createActivities } from '../../activities';\nexport const x = createActivities;\n",
      ),
    );
    expect(value).toEqual([expect.stringMatching(/Workflows import activities as types only/)]);
    const type = messages(
      lintFixture(
        'workflows/incident/layer-fixture.ts',
        "import type { IncidentActivities } from '../../activities/types';\nexport type X = IncidentActivities;\n",
      ),
    );
    expect(type).toEqual([]);
  });

  it('lint accepts imports of lower layers', () => {
    const out = messages(
      lintFixture(
        'apps/intake/layer-fixture.ts',
        "import { loadConfig } from '../../services/config';\nimport type { Plan } from '../../contracts/plan';\nexport const x = loadConfig;\nexport type P = Plan;\n",
      ),
    );
    expect(out).toEqual([]);
  });

  it('lint refuses a function longer than 200 lines outside tests', () => {
    const body = Array.from({ length: 201 }, (_, i) => `  n += ${i};`).join('\n');
    const code = `export function long(): number {\n  let n = 0;\n${body}\n  return n;\n}\n`;
    const out = messages(lintFixture('services/report/length-fixture.ts', code));
    expect(out).toEqual([expect.stringMatching(/max-lines-per-function: .*too many lines \(20\d\)/)]);
  });

  it('no source file imports a higher layer', () => {
    const upward = importGraph()
      .filter((e) => layerOf(e.to) > layerOf(e.from) && layerOf(e.from) >= 0)
      .map((e) => `${e.from} → ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('no two folders import each other, directly or through others', () => {
    const graph = new Map<string, Set<string>>();
    for (const { from, to } of importGraph()) {
      const a = unitOf(from);
      const b = unitOf(to);
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)?.add(b);
    }
    // Tarjan's strongly connected components: any component of two or more folders is a cycle.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
      }
      if (low.get(v) === idx.get(v)) {
        const comp: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w !== undefined) {
            onStack.delete(w);
            comp.push(w);
          }
        } while (w !== undefined && w !== v);
        if (comp.length > 1) cycles.push(comp.sort());
      }
    };
    for (const v of graph.keys()) if (!idx.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });
});
