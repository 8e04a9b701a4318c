/**
 * Redis built-ins (seed guides 002, 003 and 004): `redis.flush` (FLUSHDB, or only the keys matching
 * a pattern), `redis.config_set` (e.g. guide 004's `maxmemory-policy allkeys-lru`) and the
 * read-only `redis.cli` diagnostic. They run redis-cli on the host or inside a compose service's
 * container, with the password from a secret as REDISCLI_AUTH. redis-cli exits 0 even on an error
 * reply (NOAUTH, OOM, ERR), so every reply is checked: an error is a loud failure, never success.
 */
import { COMPOSE_SERVICE_PARAM, type ComposeService } from './compose';
import { placed, type Placement } from './place';
import { command, literalText, word, type Piece } from './shell';
import type { ActionDefinition } from './types';

const CONNECTION = {
  host: {
    type: 'string',
    default: '127.0.0.1',
    description: 'Redis host as seen from where redis-cli runs.',
  },
  port: { type: ['integer', 'string'], default: 6379, description: 'Redis port.' },
  db: { type: 'integer', minimum: 0, default: 0, description: 'Database number (redis-cli -n).' },
  password_secret: {
    type: 'string',
    description: 'Secret holding the password, passed as REDISCLI_AUTH (never on a command line).',
  },
  compose: COMPOSE_SERVICE_PARAM,
};

/**
 * Body prologue: `$1 $2 $3` are host, port and database, checked; `rc` runs redis-cli against
 * them (`--no-raw`, so an error reply always reads `(error) …`) and `fail_on_error` turns such a
 * reply into exit 1 with the reply on stderr.
 */
const PROLOGUE = `host=$1 port=$2 db=$3
shift 3
case "$host" in ""|-*) echo "refusing redis host \\"$host\\"" >&2; exit 2;; esac
case "$port" in ""|*[!0-9]*) echo "refusing redis port \\"$port\\": not a number" >&2; exit 2;; esac
case "$db" in ""|*[!0-9]*) echo "refusing redis database \\"$db\\": not a number" >&2; exit 2;; esac
rc() { redis-cli --no-raw -h "$host" -p "$port" -n "$db" "$@"; }
fail_on_error() { case "$1" in *"(error) "*) printf '%s\\n' "$1" >&2; exit 1;; esac; }
pong=$(rc ping 2>&1)
[ "$pong" = PONG ] || { echo "redis at $host:$port does not answer PING: $pong" >&2; exit 3; }
`;

function connectionArgs(p: Record<string, unknown>): Piece[] {
  return [word(String(p.host ?? '127.0.0.1')), word(String(p.port ?? 6379)), word(String(p.db ?? 0))];
}

function placement(p: Record<string, unknown>): Placement {
  const secret = p.password_secret as string | undefined;
  return {
    ...(p.compose !== undefined ? { compose: p.compose as ComposeService } : {}),
    ...(secret !== undefined ? { password: { env: 'REDISCLI_AUTH', secret } } : {}),
  };
}

function secrets(p: Record<string, unknown>): string[] {
  const s = p.password_secret as string | undefined;
  return s ? [s] : [];
}

/**
 * One SCAN step and the UNLINK of what it found, server side, so key names never pass through a
 * shell or xargs (spaces, quotes, newlines are fine) and nothing but redis-cli is needed where it
 * runs. Each call handles at most 1000 keys, so Redis is never blocked for long.
 */
const SCAN_UNLINK =
  "local r = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 1000) " +
  "local n = 0 for _, k in ipairs(r[2]) do n = n + redis.call('UNLINK', k) end return {r[1], n}";

const FLUSH_BODY = `${PROLOGUE}pattern=$1
mem() { rc info memory | tr -d '\\r' | sed -n 's/^used_memory:\\([0-9]*\\)$/\\1/p'; }
echo "used_memory_before=$(mem)"
if [ -z "$pattern" ]; then
  r=$(rc flushdb 2>&1)
  [ "$r" = OK ] || { echo "FLUSHDB failed: $r" >&2; exit 1; }
  echo "deleted=all"
else
  script="${SCAN_UNLINK}"
  cursor=0 deleted=0
  while :; do
    r=$(redis-cli --raw -h "$host" -p "$port" -n "$db" eval "$script" 0 "$cursor" "$pattern" 2>&1) || { printf '%s\\n' "$r" >&2; exit 1; }
    cursor=$(printf '%s\\n' "$r" | sed -n 1p) n=$(printf '%s\\n' "$r" | sed -n 2p)
    case "$cursor" in ""|*[!0-9]*) echo "SCAN/UNLINK failed after $deleted keys: $r" >&2; exit 1;; esac
    case "$n" in ""|*[!0-9]*) echo "SCAN/UNLINK failed after $deleted keys: $r" >&2; exit 1;; esac
    deleted=$((deleted + n))
    [ "$cursor" = 0 ] && break
  done
  echo "deleted=$deleted"
fi
echo "used_memory_after=$(mem)"
`;

export const redisFlush: ActionDefinition = {
  name: 'redis.flush',
  description:
    'Flush one Redis database, or only the keys matching a pattern (SCAN + UNLINK, 1000 at a time); prints used_memory before and after.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      pattern: {
        type: 'string',
        minLength: 1,
        description: 'Only delete keys matching this glob (default: the whole database, FLUSHDB).',
      },
      ...CONNECTION,
    },
  },
  build(p) {
    const args = [...connectionArgs(p), word(String(p.pattern ?? ''))];
    return {
      command: command(...placed(FLUSH_BODY, args, placement(p))),
      extract: [
        {
          name: 'used_memory_before',
          from: 'stdout',
          regex: 'used_memory_before=(\\d+)',
          type: 'number',
          default: null,
        },
        {
          name: 'used_memory_after',
          from: 'stdout',
          regex: 'used_memory_after=(\\d+)',
          type: 'number',
          default: null,
        },
        { name: 'deleted', from: 'stdout', regex: 'deleted=(\\d+)', type: 'number', default: null },
      ],
      secrets: secrets(p),
    };
  },
};

/** Commands `redis.cli` runs: read-only ones only (the first word; CONFIG only with GET). */
const READ_ONLY = new Set(
  'PING INFO DBSIZE TIME ROLE LASTSAVE CONFIG CLIENT SLOWLOG MEMORY LATENCY TTL PTTL TYPE EXISTS STRLEN LLEN SCARD HLEN ZCARD XLEN GET'.split(
    ' ',
  ),
);
const READ_ONLY_SUB: Record<string, string[]> = {
  CONFIG: ['GET'],
  CLIENT: ['LIST', 'INFO'],
  SLOWLOG: ['GET', 'LEN'],
  MEMORY: ['STATS', 'DOCTOR', 'USAGE'],
  LATENCY: ['LATEST', 'DOCTOR', 'HISTORY'],
};

function checkReadOnly(words: unknown[]): void {
  const first = literalText(words[0])?.toUpperCase();
  if (first === undefined || !READ_ONLY.has(first))
    throw new Error(
      `redis.cli runs read-only commands only (${[...READ_ONLY].join(', ')}), not ${JSON.stringify(words[0])}`,
    );
  const subs = READ_ONLY_SUB[first];
  const sub = literalText(words[1])?.toUpperCase();
  if (subs && (sub === undefined || !subs.includes(sub)))
    throw new Error(`redis.cli: ${first} only with ${subs.join(' or ')}`);
}

export const redisCli: ActionDefinition = {
  name: 'redis.cli',
  description:
    'Run one read-only redis-cli command (PING, INFO, CONFIG GET, DBSIZE, …) and print its reply; an error reply (NOAUTH, ERR) fails the step.',
  kind: 'check',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'The command and its arguments, one word each (e.g. [info, memory]).',
      },
      ...CONNECTION,
    },
  },
  build(p) {
    const words = p.command as string[];
    checkReadOnly(words);
    const body = `${PROLOGUE}out=$(rc "$@" 2>&1) || { printf '%s\\n' "$out" >&2; exit 1; }\nfail_on_error "$out"\nprintf '%s\\n' "$out" | tr -d '\\r'\n`;
    return {
      command: command(...placed(body, [...connectionArgs(p), ...words.map((w) => word(w))], placement(p))),
      extract: [],
      secrets: secrets(p),
    };
  },
};

const CONFIG_BODY = `${PROLOGUE}name=$1 value=$2
case "$name" in ""|*[!a-z0-9-]*) echo "refusing redis parameter \\"$name\\"" >&2; exit 2;; esac
get() { rc config get "$name" | sed -n 's/^2) "\\(.*\\)"$/\\1/p'; }
before=$(get)
echo "before=$before"
r=$(rc config set "$name" "$value" 2>&1)
[ "$r" = OK ] || { echo "CONFIG SET $name failed: $r" >&2; exit 1; }
after=$(get)
echo "after=$after"
# Redis reports memory sizes in bytes (2gb reads 2147483648): compare in its units too.
bytes() { case "$1" in
  *[gG][bB]) echo $(( \${1%??} * 1073741824 ));; *[mM][bB]) echo $(( \${1%??} * 1048576 ));;
  *[kK][bB]) echo $(( \${1%??} * 1024 ));; *[gG]) echo $(( \${1%?} * 1000000000 ));;
  *[mM]) echo $(( \${1%?} * 1000000 ));; *[kK]) echo $(( \${1%?} * 1000 ));; *) echo "$1";; esac; }
[ "$after" = "$value" ] || [ "$after" = "$(bytes "$value" 2>/dev/null)" ] ||
  { echo "$name reads \\"$after\\" after CONFIG SET, not \\"$value\\"" >&2; exit 1; }
if [ "$3" = true ]; then
  r=$(rc config rewrite 2>&1)
  [ "$r" = OK ] || { echo "CONFIG REWRITE failed (the running value is set, the config file is not): $r" >&2; exit 1; }
  echo "persisted=true"
fi
`;

export const redisConfigSet: ActionDefinition = {
  name: 'redis.config_set',
  description:
    'Set a Redis configuration parameter at run time (CONFIG SET, e.g. maxmemory-policy allkeys-lru), optionally persisted with CONFIG REWRITE; prints the value before and after.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['parameter', 'value'],
    properties: {
      parameter: {
        type: 'string',
        pattern: '^[a-z0-9-]+$',
        description: 'Configuration parameter (e.g. maxmemory-policy, maxmemory).',
      },
      value: { type: ['string', 'integer'], description: 'New value (e.g. allkeys-lru, 2gb).' },
      persist: {
        type: 'boolean',
        default: false,
        description: 'Also write it to the config file (CONFIG REWRITE).',
      },
      ...CONNECTION,
    },
  },
  build(p) {
    const args = [
      ...connectionArgs(p),
      word(String(p.parameter)),
      word(String(p.value)),
      word(p.persist === true ? 'true' : 'false'),
    ];
    return {
      command: command(...placed(CONFIG_BODY, args, placement(p))),
      extract: [
        { name: 'before', from: 'stdout', regex: 'before=(.*)', type: 'string', default: null },
        { name: 'after', from: 'stdout', regex: 'after=(.*)', type: 'string', default: null },
      ],
      secrets: secrets(p),
    };
  },
};
