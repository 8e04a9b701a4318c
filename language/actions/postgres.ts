/** `postgres.terminate_long_queries` (seed guides 003/004: queries running > 10 min, idle > 1 h). */
import { assign, command, durationMs, DURATION_PATTERN, raw, secret as secretRef } from './shell';
import type { ActionDefinition } from './types';

/**
 * Every dynamic value reaches SQL as a psql variable interpolated with `:'name'` (a quoted
 * literal), never by string pasting, so no parameter or alert label can inject SQL. The SQL is
 * fed on stdin through a quoted heredoc because psql does not interpolate variables in `-c`.
 */
const SQL = `with victims as (
  select pid, usename, datname, state,
         extract(epoch from now() - coalesce(query_start, state_change))::bigint as runtime_s,
         left(query, 500) as query
  from pg_stat_activity
  where pid <> pg_backend_pid()
    and backend_type = 'client backend'
    and (:'database' = '' or datname = :'database')
    and ((state = 'active' and query_start < now() - (:'older_than')::interval)
      or (:'idle_in_transaction' = 'true' and state like 'idle in transaction%'
          and state_change < now() - (:'older_than')::interval)
      or (:'idle_older_than' <> '' and state = 'idle'
          and state_change < now() - (nullif(:'idle_older_than', ''))::interval))
)
select json_build_object('pid', pid, 'user', usename, 'database', datname, 'state', state,
       'runtime_s', runtime_s, 'terminated', pg_terminate_backend(pid), 'query', query)
from victims;
`;

function interval(text: string): string {
  return `${Math.max(1, Math.round(durationMs(text) / 1000))} seconds`;
}

export const postgresTerminateLongQueries: ActionDefinition = {
  name: 'postgres.terminate_long_queries',
  description:
    'Terminate client backends whose query has run longer than a threshold (and optionally idle ones).',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      older_than: {
        type: 'string',
        pattern: DURATION_PATTERN,
        default: '10m',
        description: 'Minimum query run time, e.g. 10m.',
      },
      database: { type: 'string', description: 'Only backends of this database (default: all databases).' },
      idle_in_transaction: {
        type: 'boolean',
        default: false,
        description: 'Also terminate sessions idle in a transaction longer than older_than.',
      },
      idle_older_than: {
        type: 'string',
        pattern: DURATION_PATTERN,
        description: 'Also terminate idle sessions older than this (seed 004: 1h).',
      },
      host: { type: 'string', description: 'psql host or socket directory (default: local socket).' },
      port: { type: ['integer', 'string'], description: 'psql port.' },
      user: { type: 'string', description: 'psql user (needs pg_signal_backend or superuser).' },
      connect_db: {
        type: 'string',
        description: 'Database to connect to (default: database, else postgres).',
      },
      password_secret: { type: 'string', description: 'Secret holding the password, passed as PGPASSWORD.' },
    },
  },
  build(p) {
    const secret = p.password_secret as string | undefined;
    const conn: string[] = [];
    if (p.host !== undefined) conn.push('-h "$host"');
    if (p.port !== undefined) conn.push('-p "$port"');
    if (p.user !== undefined) conn.push('-U "$user"');
    return {
      command: command(
        ...assign({
          older_than: interval(String(p.older_than ?? '10m')),
          idle_older_than: p.idle_older_than !== undefined ? interval(String(p.idle_older_than)) : '',
          database: (p.database as string | undefined) ?? '',
          idle_in_transaction: p.idle_in_transaction === true ? 'true' : 'false',
          connect_db:
            (p.connect_db as string | undefined) ?? (p.database as string | undefined) ?? 'postgres',
          host: p.host as string | undefined,
          port: p.port as string | number | undefined,
          user: p.user as string | undefined,
        }),
        ...(secret ? [raw('PGPASSWORD='), secretRef(secret), raw('\nexport PGPASSWORD\n')] : []),
        raw(
          `out=$(psql --no-psqlrc -At -q -v ON_ERROR_STOP=1 ${conn.join(' ')}${conn.length ? ' ' : ''}-d "$connect_db" ` +
            `-v older_than="$older_than" -v idle_older_than="$idle_older_than" -v database="$database" ` +
            `-v idle_in_transaction="$idle_in_transaction" <<'FIREBREAK_SQL'\n${SQL}FIREBREAK_SQL\n) || exit $?\n`,
        ),
        raw('[ -n "$out" ] && printf \'%s\\n\' "$out"\n'),
        raw('printf \'terminated=%s\\n\' "$(printf \'%s\' "$out" | grep -c .)"'),
      ),
      extract: [
        { name: 'terminated', from: 'stdout', regex: 'terminated=(\\d+)\\s*$', type: 'number', default: 0 },
      ],
      secrets: secret ? [secret] : [],
    };
  },
};
