/** `redis.flush` (seed guides 003/004: Redis memory full / failure → FLUSHDB or drop a key pattern). */
import { assign, command, raw, secret as secretRef } from './shell';
import type { ActionDefinition } from './types';

export const redisFlush: ActionDefinition = {
  name: 'redis.flush',
  description:
    'Flush one Redis database, or only the keys matching a pattern (SCAN + UNLINK); prints used_memory before and after.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      db: { type: 'integer', minimum: 0, default: 0, description: 'Database number (redis-cli -n).' },
      pattern: {
        type: 'string',
        minLength: 1,
        description: 'Only delete keys matching this glob (default: the whole database).',
      },
      host: { type: 'string', default: '127.0.0.1', description: 'Redis host as seen from the target.' },
      port: { type: ['integer', 'string'], default: 6379, description: 'Redis port.' },
      password_secret: {
        type: 'string',
        description: 'Secret holding the password, passed as REDISCLI_AUTH (never in argv).',
      },
    },
  },
  build(p) {
    const secret = p.password_secret as string | undefined;
    const pattern = p.pattern as string | undefined;
    const mem = `"$(rc info memory | tr -d '\\r' | sed -n 's/^used_memory:\\([0-9]*\\)$/\\1/p')"`;
    return {
      command: command(
        ...assign({
          host: String(p.host ?? '127.0.0.1'),
          port: String(p.port ?? 6379),
          db: String(p.db ?? 0),
          pattern,
        }),
        ...(secret ? [raw('REDISCLI_AUTH='), secretRef(secret), raw('\nexport REDISCLI_AUTH\n')] : []),
        raw('rc() { redis-cli --no-raw -h "$host" -p "$port" -n "$db" "$@"; }\n'),
        raw('rc ping | grep -q PONG || { echo "redis not answering at $host:$port" >&2; exit 3; }\n'),
        raw(`echo "used_memory_before=${mem}"\n`),
        raw(
          pattern === undefined
            ? 'rc flushdb\necho "deleted=all"\n'
            : // One key per line; UNLINK frees memory in the background and batches of 100 keep argv small.
              'deleted=$(redis-cli -h "$host" -p "$port" -n "$db" --scan --pattern "$pattern" | ' +
                'xargs -r -d \'\\n\' -n 100 redis-cli --raw -h "$host" -p "$port" -n "$db" unlink | ' +
                "awk '{s+=$1} END {print s+0}')\n" +
                'echo "deleted=$deleted"\n',
        ),
        raw(`echo "used_memory_after=${mem}"`),
      ),
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
      secrets: secret ? [secret] : [],
    };
  },
};
