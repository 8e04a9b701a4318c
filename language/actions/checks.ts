/** Read-only checks usable as diagnostics, `check:` steps and `verify:` probes. */
import { assign, command, durationMs, DURATION_PATTERN, raw, requirePort } from './shell';
import type { ActionDefinition } from './types';

export const httpCheck: ActionDefinition = {
  name: 'http.check',
  description: 'Fetch a URL with curl; succeeds on the expected status (and body text, if given).',
  kind: 'check',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        minLength: 1,
        pattern: '^(https?://|\\{\\{)',
        description:
          'http:// or https:// URL to fetch from the target (e.g. http://127.0.0.1:8082/health); checked again after templates render.',
      },
      expect_status: {
        type: 'integer',
        minimum: 100,
        maximum: 599,
        default: 200,
        description: 'Expected HTTP status.',
      },
      contains: { type: 'string', description: 'Text the response body must contain.' },
      timeout: { type: 'string', pattern: DURATION_PATTERN, default: '5s', description: 'Request timeout.' },
    },
  },
  build(p) {
    const seconds = Math.max(1, Math.ceil(durationMs(String(p.timeout ?? '5s')) / 1000));
    const expect = Number(p.expect_status ?? 200);
    const contains = p.contains as string | undefined;
    return {
      command: command(
        ...assign({ url: String(p.url), needle: contains }),
        // Only web URLs: never file://, gopher:// or a value curl would read as an option.
        raw(
          'case "$url" in http://?*|https://?*) ;; *) echo "refusing URL \\"$url\\": only http:// and https:// are checked" >&2; exit 2;; esac\n',
        ),
        raw('tmp=$(mktemp) || exit 1\ntrap \'rm -f "$tmp"\' EXIT\n'),
        raw(
          `status=$(curl -sS --proto =http,https --proto-redir =http,https --max-time ${seconds} -o "$tmp" -w '%{http_code}' -- "$url") || status=0\n`,
        ),
        raw('head -c 4096 "$tmp"; echo\n'),
        raw(
          contains !== undefined
            ? 'if grep -qF -- "$needle" "$tmp"; then echo contains=true; else echo contains=false; fi\n'
            : '',
        ),
        raw('echo "status=$status"'),
      ),
      extract: [
        { name: 'status', from: 'stdout', regex: 'status=(\\d+)\\s*$', type: 'number', default: 0 },
        ...(contains !== undefined
          ? [
              {
                name: 'contains',
                from: 'stdout' as const,
                regex: 'contains=(true|false)',
                type: 'boolean' as const,
                default: false,
              },
            ]
          : []),
      ],
      success: `exitCode == 0 && values.status == ${expect}${contains !== undefined ? ' && values.contains == true' : ''}`,
      timeoutMs: (seconds + 5) * 1000,
    };
  },
};

export const portCheck: ActionDefinition = {
  name: 'port.check',
  description:
    'Is a TCP port listening on the target? Prints the listening socket (and its process when visible).',
  kind: 'check',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['port'],
    properties: {
      port: {
        type: ['integer', 'string'],
        minimum: 1,
        maximum: 65535,
        pattern: '^([0-9]+|\\{\\{.*)$',
        description: 'TCP port that should be listening (a number, or a template such as {{ vars.port }}).',
      },
      expect: {
        enum: ['listening', 'closed'],
        default: 'listening',
        description: 'Whether the port should be open or free.',
      },
    },
  },
  build(p) {
    const want = p.expect === 'closed' ? 'false' : 'true';
    return {
      command: command(
        ...assign({ port: String(p.port) }),
        requirePort('port', 'port'),
        raw('if command -v ss >/dev/null 2>&1; then lines=$(ss -H -ltnp "sport = :$port" 2>/dev/null)\n'),
        raw(
          'else lines=$(netstat -ltnp 2>/dev/null | awk -v p=":$port" \'substr($4, length($4) - length(p) + 1) == p\'); fi\n',
        ),
        raw('[ -n "$lines" ] && printf \'%s\\n\' "$lines"\n'),
        raw(`if [ -n "$lines" ]; then echo listening=true; else echo listening=false; fi`),
      ),
      extract: [
        {
          name: 'listening',
          from: 'stdout',
          regex: 'listening=(true|false)',
          type: 'boolean',
          default: false,
        },
      ],
      success: `exitCode == 0 && values.listening == ${want}`,
    };
  },
};

export const processCheck: ActionDefinition = {
  name: 'process.check',
  description: 'Count processes whose command line (or exact name) matches a pattern (pgrep).',
  kind: 'check',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['pattern'],
    properties: {
      pattern: {
        type: 'string',
        minLength: 1,
        description: 'Extended regex matched against full command lines (or the exact process name).',
      },
      exact_name: {
        type: 'boolean',
        default: false,
        description: 'Match the process name exactly (pgrep -x) instead of the command line.',
      },
      min: { type: 'integer', minimum: 0, default: 1, description: 'Minimum number of matching processes.' },
    },
  },
  build(p) {
    return {
      command: command(
        ...assign({ pat: String(p.pattern) }),
        // The pattern is on this very shell's command line (and its ancestors'): skip them.
        raw('self=$$; skip=" $self "; p=$self; i=0\n'),
        raw(
          'while [ "$p" -gt 1 ] && [ $i -lt 32 ]; do p=$(ps -o ppid= -p "$p" | tr -d \' \'); [ -n "$p" ] || break; skip="$skip$p "; i=$((i+1)); done\n',
        ),
        raw(`pids=''\nfor pid in $(pgrep ${p.exact_name === true ? '-x' : '-f'} -- "$pat"); do\n`),
        raw('  case "$skip" in *" $pid "*) continue;; esac\n'),
        raw('  [ "$(ps -o ppid= -p "$pid" | tr -d \' \')" = "$self" ] && continue\n'),
        raw('  pids="$pids$pid "\ndone\n'),
        raw('echo "pids=$pids"\necho "count=$(printf \'%s\' "$pids" | wc -w)"'),
      ),
      extract: [{ name: 'count', from: 'stdout', regex: 'count=\\s*(\\d+)', type: 'number', default: 0 }],
      success: `exitCode == 0 && values.count >= ${Number(p.min ?? 1)}`,
    };
  },
};

export const diskCheck: ActionDefinition = {
  name: 'disk.check',
  description: 'Disk usage of the filesystem holding a path (df -P); succeeds below the threshold.',
  kind: 'check',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        default: '/',
        description: 'Any path on the filesystem to inspect.',
      },
      max_used_percent: {
        type: 'integer',
        minimum: 1,
        maximum: 100,
        default: 90,
        description: 'Highest acceptable use%.',
      },
    },
  },
  build(p) {
    return {
      command: command(
        ...assign({ path: String(p.path ?? '/') }),
        raw('out=$(df -P -- "$path") || { echo "df failed for $path" >&2; exit 1; }\n'),
        raw(
          'printf \'%s\\n\' "$out" | awk \'NR==2 {sub("%","",$5); print "used_percent=" $5; print "avail_kb=" $4; print "mount=" $6}\'',
        ),
      ),
      extract: [
        { name: 'used_percent', from: 'stdout', regex: 'used_percent=(\\d+)', type: 'number', default: null },
        { name: 'avail_kb', from: 'stdout', regex: 'avail_kb=(\\d+)', type: 'number', default: null },
      ],
      success: `exitCode == 0 && values.used_percent < ${Number(p.max_used_percent ?? 90)}`,
    };
  },
};

export const waitAction: ActionDefinition = {
  name: 'wait',
  description: 'A durable pause (workflow timer), e.g. to let a restarted service warm up.',
  kind: 'wait',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['duration'],
    properties: {
      duration: { type: 'string', pattern: DURATION_PATTERN, description: 'How long to wait, e.g. 30s.' },
    },
  },
  build() {
    throw new Error('wait compiles to a WaitStep, not a command');
  },
};
