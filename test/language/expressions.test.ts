import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpressionContext } from '../../contracts/plan';
import {
  checkExpression,
  evaluateCondition,
  evaluateSuccess,
  evaluateValue,
  isExpressionError,
  isShellQuoteError,
  isTemplateError,
  parseTemplate,
  referencedSteps,
  renderTemplate,
  secretEnvName,
  shellQuote,
  CONDITION_ROOTS,
} from '../../language/expressions';

function ctx(over: Partial<ExpressionContext> = {}): ExpressionContext {
  return {
    labels: { alertname: 'ServiceDown', service: 'qcat', instance: 'db1:9187' },
    annotations: {},
    alert: { status: 'firing', fingerprint: 'abc', startsAt: '2026-01-01T00:00:00Z', generatorURL: '' },
    vars: { dbname: 'qcat', limit: 90 },
    incident: { id: 'i-1', severity: 'P1', runbook: 'rb', service: 'qcat' },
    steps: {},
    ...over,
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const HOSTILE = [
  'a; touch CANARY',
  '$(touch CANARY)',
  '`touch CANARY`',
  'it\'s "quoted"',
  'line1\ntouch CANARY',
  "'; touch CANARY; echo '",
  '',
  '\\',
  '${IFS}touch${IFS}CANARY',
];

describe('shellQuote', () => {
  it('wraps a plain word in single quotes', () => {
    expect(shellQuote('nginx')).toBe("'nginx'");
  });
  it('quotes the empty string so it stays one argument', () => {
    expect(shellQuote('')).toBe("''");
  });
  it('closes, escapes and reopens embedded single quotes', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
  it('rejects NUL bytes with a ShellQuoteError naming the value', () => {
    const err = thrown(() => shellQuote('a\0b'));
    expect(isShellQuoteError(err)).toBe(true);
    expect((err as Error).message).toContain('NUL');
  });
  it('makes /bin/sh echo every hostile value back verbatim', () => {
    for (const value of HOSTILE) {
      const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(out).toBe(value);
    }
  });
});

describe('secretEnvName', () => {
  it('upper-cases the name and turns non-alphanumerics into underscores', () => {
    expect(secretEnvName('db-password.v2')).toBe('FIREBREAK_SECRET_DB_PASSWORD_V2');
  });
});

describe('parseTemplate', () => {
  it('splits literals, expressions and secret references', () => {
    expect(parseTemplate('psql -d {{ vars.dbname }} -W {{ secrets.db-password }}!', 'shell')).toEqual({
      mode: 'shell',
      parts: [
        { lit: 'psql -d ' },
        { expr: 'vars.dbname' },
        { lit: ' -W ' },
        { secret: 'db-password' },
        { lit: '!' },
      ],
    });
  });
  it('does not end an expression at "}}" inside a string literal', () => {
    expect(parseTemplate('{{ "}}" + labels.x }}', 'text').parts).toEqual([{ expr: '"}}" + labels.x' }]);
  });
  it('throws a TemplateError at the offset of an unclosed "{{"', () => {
    const err = thrown(() => parseTemplate('echo {{ labels.x', 'shell'));
    expect(isTemplateError(err)).toBe(true);
    expect((err as { offset: number }).offset).toBe(5);
    expect((err as Error).message).toContain('unclosed');
  });
  it('throws a TemplateError for an empty expression', () => {
    const err = thrown(() => parseTemplate('a {{  }} b', 'shell'));
    expect(isTemplateError(err)).toBe(true);
    expect((err as { offset: number }).offset).toBe(2);
  });
});

describe('renderTemplate', () => {
  it('shell-quotes every expression value, numbers included', () => {
    const t = parseTemplate('systemctl restart {{ labels.service }} # {{ vars.limit }}', 'shell');
    expect(renderTemplate(t, ctx())).toBe("systemctl restart 'qcat' # '90'");
  });
  it('renders secrets as a double-quoted environment variable reference', () => {
    const t = parseTemplate('PGPASSWORD={{ secrets.db-password }} psql', 'shell');
    expect(renderTemplate(t, ctx())).toBe('PGPASSWORD="$FIREBREAK_SECRET_DB_PASSWORD" psql');
  });
  it('inserts plain text in text mode and never shows a secret', () => {
    const t = parseTemplate('{{ labels.service }} on {{ labels.instance }} {{ secrets.token }}', 'text');
    expect(renderTemplate(t, ctx())).toBe('qcat on db1:9187 [secret token]');
  });
  it('runs hostile label values through /bin/sh without executing them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-quote-'));
    try {
      const canary = join(dir, 'CANARY');
      const t = parseTemplate('printf "%s" {{ labels.service }}', 'shell');
      for (const value of HOSTILE) {
        const command = renderTemplate(t, ctx({ labels: { service: value } }));
        const out = execFileSync('/bin/sh', ['-c', command], { cwd: dir, encoding: 'utf8' });
        expect(out).toBe(value);
        expect(existsSync(canary)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('evaluateCondition', () => {
  it('compares an extracted JS number with a CEL int literal', () => {
    const steps = {
      db: {
        ok: true,
        anyOk: true,
        allOk: true,
        exitCode: 0,
        stdout: '95',
        stderr: '',
        values: { active: 95, ratio: 0.5 },
        hosts: [],
      },
    };
    expect(evaluateCondition('steps.db.values.active > 90', ctx({ steps }))).toBe(true);
    expect(evaluateCondition('steps.db.values.active * 2 == 190', ctx({ steps }))).toBe(true);
    expect(evaluateCondition('steps.db.values.ratio < 1', ctx({ steps }))).toBe(true);
    expect(evaluateCondition('steps.db.exitCode == 0', ctx({ steps }))).toBe(true);
  });
  it('lets has() test whether a step ran', () => {
    expect(evaluateCondition('!has(steps.db) && labels.service == "qcat"', ctx())).toBe(true);
  });
  it('names the missing key when a step result is absent', () => {
    const err = thrown(() => evaluateCondition('steps.db.ok', ctx()));
    expect(isExpressionError(err)).toBe(true);
    expect((err as Error).message).toContain('no such key "db"');
  });
  it('names an undefined variable', () => {
    const err = thrown(() => evaluateCondition('foo == 1', ctx()));
    expect(isExpressionError(err)).toBe(true);
    expect((err as Error).message).toContain('unknown name "foo"');
  });
  it('rejects a condition that is not a bool', () => {
    expect((thrown(() => evaluateCondition('1 + 1', ctx())) as Error).message).toContain(
      'must produce a bool, got int 2',
    );
  });
});

describe('evaluateValue and evaluateSuccess', () => {
  it('returns ints as JS numbers so results are JSON-safe', () => {
    expect(evaluateValue('[x + 1, {"k": x}]', { x: 41 })).toEqual([42, { k: 41 }]);
  });
  it('evaluates success expressions over a host result', () => {
    const host = { exitCode: 0, stdout: 'HTTP 200', stderr: '', values: { status: 200 } };
    expect(evaluateSuccess('exitCode == 0', host)).toBe(true);
    expect(evaluateSuccess('values.status >= 200 && values.status < 300', host)).toBe(true);
    expect(evaluateSuccess('stdout.contains("500")', host)).toBe(false);
    expect(evaluateSuccess('exitCode == 0', { ...host, exitCode: null })).toBe(false);
  });
});

describe('checkExpression and referencedSteps', () => {
  it('accepts known roots and macro-bound names', () => {
    expect(checkExpression('labels.x == "a" && [1, 2].exists(n, n > 1)', CONDITION_ROOTS)).toEqual({
      ok: true,
    });
  });
  it('reports an unknown root with its offset', () => {
    expect(checkExpression('labels.x == "a" && foo.bar', CONDITION_ROOTS)).toEqual({
      ok: false,
      message: expect.stringContaining('unknown name "foo"') as unknown as string,
      offset: 19,
    });
  });
  it('reports a syntax error', () => {
    const r = checkExpression('labels.x +', CONDITION_ROOTS);
    expect(r.ok).toBe(false);
  });
  it('lists the steps an expression reads, in order', () => {
    expect(
      referencedSteps('steps.db.values.a > 1 && has(steps.cache) || steps["web"].ok && steps.db.ok'),
    ).toEqual(['db', 'cache', 'web']);
  });
});

describe('multi-host step results', () => {
  const host = (name: string, ok: boolean, used: number) => ({
    host: name,
    ok,
    exitCode: ok ? 0 : 1,
    stdout: `${used}`,
    stderr: '',
    values: { used },
  });
  const steps = {
    disk: {
      ok: false,
      anyOk: true,
      allOk: false,
      exitCode: 0,
      stdout: '95',
      stderr: '',
      values: { used: 95 },
      hosts: [host('db1', true, 95), host('db2', false, 10), host('db3', true, 40)],
    },
  };
  it.each([
    ['steps.disk.hosts.exists(h, h.values.used > 90)', true],
    ['steps.disk.hosts.all(h, h.values.used > 90)', false],
    ['steps.disk.hosts.filter(h, h.values.used > 30).size() == 2', true],
    ['steps.disk.hosts.exists_one(h, !h.ok)', true],
    ['steps.disk.hosts.map(h, h.host)[1] == "db2"', true],
    ['steps.disk.anyOk && !steps.disk.allOk', true],
  ])('%s is %s', (expr, expected) => {
    expect(checkExpression(expr, CONDITION_ROOTS)).toEqual({ ok: true });
    expect(evaluateCondition(expr, ctx({ steps }))).toBe(expected);
  });
});

describe('a literal {{ for Go templates handed to tools', () => {
  it('writes \\{{ as {{ and runs the command through /bin/sh as docker would receive it', () => {
    const t = parseTemplate("printf '%s\\n' '\\{{.Name}} \\{{ .MemPerc }}' {{ labels.service }}", 'shell');
    expect(t.parts).toEqual([
      { lit: "printf '%s\\n' '{{.Name}} {{ .MemPerc }}' " },
      { expr: 'labels.service' },
    ]);
    const cmd = renderTemplate(t, ctx());
    expect(execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' })).toBe(
      '{{.Name}} {{ .MemPerc }}\nqcat\n',
    );
  });
  it('also accepts a CEL string literal, {{ "{{" }}', () => {
    expect(renderTemplate(parseTemplate('x {{ "{{" }}.Name}}', 'text'), ctx())).toBe('x {{.Name}}');
  });
});
