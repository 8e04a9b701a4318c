/**
 * PostgreSQL built-ins (seed guides 003 and 004): `postgres.terminate_long_queries` (queries
 * running longer than 10 min, idle sessions older than 1 h) and the read-only `postgres.query`
 * diagnostic. Both run psql on the host or inside a compose service's container (guide 004 runs
 * `docker-compose exec postgres psql -U qte`), with the password from a secret as PGPASSWORD.
 */
import { COMPOSE_SERVICE_PARAM, type ComposeService } from './compose';
import { placed, type Placement } from './place';
import { command, word, type Piece } from './shell';
import type { ActionDefinition } from './types';

/**
 * Every dynamic value reaches SQL as a psql variable interpolated with `:'name'` (a quoted
 * literal), never by string pasting, so no parameter or alert label can inject SQL. The SQL is
 * fed on stdin because psql does not interpolate variables in `-c`.
 */
const TERMINATE_SQL = `with victims as (
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

/** A duration as written (10m, 1h), or a template that renders to one on the target. */
const DURATION_OR_TEMPLATE = '^([0-9]+(ms|s|m|h|d)|\\{\\{.*)$';

/** Shell turning `10m` into `600 seconds` for PostgreSQL; anything else is refused. */
const SECONDS_FN = `secs() {
  case "$1" in *ms) n=\${1%ms} u=0;; *s) n=\${1%s} u=1;; *m) n=\${1%m} u=60;; *h) n=\${1%h} u=3600;; *d) n=\${1%d} u=86400;; *) n=;; esac
  case "$n" in ""|*[!0-9]*) echo "refusing duration \\"$1\\" (expected e.g. 30s, 10m, 1h)" >&2; return 2;; esac
  if [ "$u" = 0 ]; then echo "1 seconds"; else echo "$((n * u)) seconds"; fi
}
`;

/** Connection parameters shared by both actions. */
const CONNECTION = {
  host: { type: 'string', description: 'psql host or socket directory (default: the local socket).' },
  port: { type: ['integer', 'string'], description: 'psql port.' },
  user: {
    type: 'string',
    description: 'psql user (terminating others needs pg_signal_backend or the same role).',
  },
  password_secret: {
    type: 'string',
    description: 'Secret holding the password, passed as PGPASSWORD (never on a command line).',
  },
  os_user: {
    type: 'string',
    description:
      'Run psql as this OS user through sudo (e.g. postgres: peer authentication on the local socket, the stock Debian way).',
  },
  compose: COMPOSE_SERVICE_PARAM,
};

/**
 * The body's shared prologue: `$1…$5` are host, port, user, database to connect to, and a marker
 * that says which of them were given. A database that looks like a connection string is refused,
 * since psql's -d would otherwise let a label redirect the connection (and its password).
 */
const CONNECT_PROLOGUE = `host=$1 port=$2 user=$3 db=$4 given=$5
shift 5
set --
case "$given" in *h*) set -- "$@" --host="$host";; esac
case "$given" in *p*) case "$port" in ""|*[!0-9]*) echo "refusing psql port \\"$port\\": not a number" >&2; exit 2;; esac; set -- "$@" --port="$port";; esac
case "$given" in *u*) set -- "$@" --username="$user";; esac
case "$db" in ""|-*|*=*|postgres://*|postgresql://*) echo "refusing database \\"$db\\": not a plain database name" >&2; exit 2;; esac
`;

/** The positional arguments matching {@link CONNECT_PROLOGUE}, then the action's own. */
function connectionArgs(p: Record<string, unknown>, db: string): Piece[] {
  const given = `${p.host !== undefined ? 'h' : ''}${p.port !== undefined ? 'p' : ''}${p.user !== undefined ? 'u' : ''}-`;
  return [
    word(String(p.host ?? '')),
    word(String(p.port ?? '')),
    word(String(p.user ?? '')),
    word(db),
    word(given),
  ];
}

function placement(p: Record<string, unknown>): Placement {
  const secret = p.password_secret as string | undefined;
  return {
    ...(p.compose !== undefined ? { compose: p.compose as ComposeService } : {}),
    ...(secret !== undefined ? { password: { env: 'PGPASSWORD', secret } } : {}),
    ...(p.os_user !== undefined ? { runAs: String(p.os_user) } : {}),
  };
}

export const postgresTerminateLongQueries: ActionDefinition = {
  name: 'postgres.terminate_long_queries',
  description:
    'Terminate client backends whose query has run longer than a threshold (and optionally idle ones); prints each victim as JSON.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      older_than: {
        type: 'string',
        pattern: DURATION_OR_TEMPLATE,
        default: '10m',
        description: 'Minimum query run time, e.g. 10m (or a template such as {{ vars.long_query }}).',
      },
      database: { type: 'string', description: 'Only backends of this database (default: all databases).' },
      idle_in_transaction: {
        type: 'boolean',
        default: false,
        description: 'Also terminate sessions idle in a transaction longer than older_than.',
      },
      idle_older_than: {
        type: 'string',
        pattern: DURATION_OR_TEMPLATE,
        description: 'Also terminate idle sessions older than this (seed 004: 1h).',
      },
      connect_db: {
        type: 'string',
        description: 'Database to connect to (default: database, else postgres).',
      },
      ...CONNECTION,
    },
  },
  build(p) {
    const database = (p.database as string | undefined) ?? '';
    const connectDb = (p.connect_db as string | undefined) ?? (database || 'postgres');
    const body =
      CONNECT_PROLOGUE.replace(
        'shift 5\nset --\n',
        `${SECONDS_FN}older=$(secs "$6") || exit 2\nidle_older=\nif [ -n "$7" ]; then idle_older=$(secs "$7") || exit 2; fi\nonly_db=$8 iit=$9\nshift 5\nset --\n`,
      ) +
      'out=$(psql --no-psqlrc -At -q -v ON_ERROR_STOP=1 "$@" --dbname="$db" -v older_than="$older" ' +
      '-v idle_older_than="$idle_older" -v database="$only_db" -v idle_in_transaction="$iit") || ' +
      '{ rc=$?; echo "psql failed (exit $rc); nothing is known to be terminated" >&2; exit "$rc"; }\n' +
      '[ -n "$out" ] && printf \'%s\\n\' "$out"\n' +
      'printf \'terminated=%s\\n\' "$(printf \'%s\\n\' "$out" | grep -c \'"terminated" : true\')"\n' +
      'printf \'already_gone=%s\\n\' "$(printf \'%s\\n\' "$out" | grep -c \'"terminated" : false\')"\n';
    const args = [
      ...connectionArgs(p, connectDb),
      word(String(p.older_than ?? '10m')),
      word(p.idle_older_than !== undefined ? String(p.idle_older_than) : ''),
      word(database),
      word(p.idle_in_transaction === true ? 'true' : 'false'),
    ];
    const secret = p.password_secret as string | undefined;
    return {
      command: command(...placed(body, args, placement(p), TERMINATE_SQL)),
      extract: [
        { name: 'terminated', from: 'stdout', regex: 'terminated=(\\d+)', type: 'number', default: 0 },
        { name: 'already_gone', from: 'stdout', regex: 'already_gone=(\\d+)', type: 'number', default: 0 },
      ],
      secrets: secret ? [secret] : [],
    };
  },
};

export const postgresQuery: ActionDefinition = {
  name: 'postgres.query',
  description:
    "Run a read-only SQL query with psql (default_transaction_read_only) and print its rows, fields separated by |; values from params reach SQL as psql variables (:'name').",
  kind: 'check',
  destructive: false,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['sql', 'database'],
    properties: {
      sql: {
        type: 'string',
        minLength: 1,
        description: "The SQL (author text; no {{ }} — pass values through params and use :'name').",
      },
      params: {
        type: 'object',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
        description: "psql variables for the SQL (name → value, templates allowed), read as :'name'.",
      },
      database: { type: 'string', minLength: 1, description: 'Database to connect to.' },
      ...CONNECTION,
    },
  },
  build(p) {
    const sql = String(p.sql);
    if (sql.includes('{{'))
      throw new Error("sql must not contain {{ }}: pass values through params and read them as :'name'");
    const vars = Object.entries((p.params as Record<string, unknown> | undefined) ?? {});
    for (const [name] of vars)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid psql variable name "${name}"`);
    // Variables arrive as $6… after the connection arguments; `-v name=value` is one argv word.
    const body =
      CONNECT_PROLOGUE.replace(
        'shift 5\nset --\n',
        `${vars.map(([name], i) => `v_${name}=\${${i + 6}}`).join('\n')}\nshift 5\nset --\n`,
      ) +
      vars.map(([name]) => `set -- "$@" -v "${name}=$v_${name}"\n`).join('') +
      'export PGOPTIONS="-c default_transaction_read_only=on"\n' +
      'exec psql --no-psqlrc -At -q -F "|" -v ON_ERROR_STOP=1 "$@" --dbname="$db"\n';
    const args = [...connectionArgs(p, String(p.database)), ...vars.map(([, v]) => word(String(v)))];
    const secret = p.password_secret as string | undefined;
    return {
      command: command(...placed(body, args, placement(p), sql)),
      extract: [],
      secrets: secret ? [secret] : [],
    };
  },
};
