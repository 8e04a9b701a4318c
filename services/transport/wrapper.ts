/**
 * The shell wrapper every command runs inside, on the target, whichever transport carries it.
 * Keeping setup in one POSIX `sh` script (rather than in transport code) is what makes `local` and
 * `ssh` behave identically:
 *
 * - it reports its pid first (`\x1eFB <nonce> pgid=N` on stderr): it is the process-group leader
 *   (sshd and the local transport both start it in a new session), so cancelling kills the whole
 *   group. The nonce is fresh for every run and arrives as the first line of stdin, never in the
 *   script or any command line, and is gone before the command starts: output the command prints
 *   (an alert label echoed to stderr, say) cannot pass for a marker;
 * - secrets arrive on stdin, one base64 line each, are decoded with builtins + `base64 -d` and
 *   exported as `FIREBREAK_SECRET_<NAME>`: never on any command line, never in the script;
 * - cwd and env are single-quoted literals, never interpolated;
 * - with `sudo`, the inner part (secrets, env, cwd, command) runs under `sudo -n`, fed the same
 *   stdin, so sudo's environment reset cannot drop the secrets;
 * - with an idempotency key, the key is claimed atomically on the target (`mkdir`) before the
 *   command runs and the exit code and output are recorded next to it, so a re-dispatch replays
 *   the recorded result instead of running again, and a claim without a result (the earlier
 *   attempt died mid-command) is reported, never re-run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { secretEnvName, shellQuote } from '../../language/expressions/quote';
import { invalidCommandInput } from './errors';

/** Lines the wrapper writes at the very start of stderr, before any output of the command. */
export const MARKER_PREFIX = '\x1eFB ';

/** A fresh marker nonce: 128 random bits, hex (the wrapper reads it as a plain word). */
export function newMarkerNonce(): string {
  return randomBytes(16).toString('hex');
}

export interface WrapperSpec {
  command: string;
  /** Secret names, in the order their values are written to stdin. */
  secrets: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd?: string;
  sudo: boolean;
  idempotencyKey?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Directory name for an idempotency key: a hash, so any key is a safe path component. */
export function idempotencyDirName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function q(value: string, what: string): string {
  if (value.includes('\0')) throw invalidCommandInput(`${what} contains a NUL byte`);
  return shellQuote(value);
}

/**
 * The part that runs as the (possibly sudo'd) user: read secrets, set env and cwd, run the
 * command. `inline` appends the command text itself as the script's last part (one process fewer
 * on the hot path: the wrapper shell is already `/bin/sh`, and nothing follows that a malformed
 * command could disturb); otherwise it is `exec /bin/sh -c <command>`, isolated from the script.
 */
export function buildInner(spec: WrapperSpec, inline = false): string {
  const lines: string[] = [];
  for (const name of spec.secrets) {
    const v = secretEnvName(name);
    lines.push(
      `IFS= read -r fb_s || fb_s=`,
      `${v}=$(printf '%s' "$fb_s" | base64 -d) || exit 124`,
      `export ${v}`,
    );
  }
  if (spec.secrets.length > 0) lines.push('unset fb_s');
  for (const [k, val] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(k))
      throw invalidCommandInput(`invalid environment variable name ${JSON.stringify(k)}`);
    if (k.startsWith('FIREBREAK_SECRET_')) {
      throw invalidCommandInput(`environment variable ${k} is reserved for secrets`);
    }
    lines.push(`export ${k}=${q(val, `env ${k}`)}`);
  }
  if (spec.cwd !== undefined && spec.cwd !== '') {
    lines.push(`cd -- ${q(spec.cwd, 'cwd')} || exit 126`);
  }
  if (inline) {
    q(spec.command, 'command');
    lines.push('exec </dev/null', spec.command);
  } else {
    lines.push(`exec /bin/sh -c ${q(spec.command, 'command')} firebreak </dev/null`);
  }
  return lines.join('\n');
}

/**
 * The full wrapper script (run as `/bin/sh -c <script>`). Its stdin starts with the marker nonce
 * line, then the secrets ({@link buildStdin}).
 */
export function buildWrapper(spec: WrapperSpec): string {
  // `fb_n` is never exported, so the inner shell (sudo or not) cannot see it either. One printf,
  // one write: ` login=sh` on the same line says sshd's login shell is /bin/sh (see execLine).
  const marker = [
    `IFS= read -r fb_n || fb_n=`,
    `case $SHELL in /bin/sh) fb_l=' login=sh' ;; *) fb_l= ;; esac`,
    `printf '\\036FB %s pgid=%s%s\\n' "$fb_n" "$$" "$fb_l" >&2`,
  ].join('\n');
  if (spec.idempotencyKey === undefined && !spec.sudo) {
    return `${marker}\nunset fb_n fb_l\n${buildInner(spec, true)}`;
  }
  const inner = buildInner(spec);
  const run = `${spec.sudo ? 'sudo -n ' : ''}/bin/sh -c "$fb_inner" firebreak`;
  const lines = [marker, `fb_inner=${shellQuote(inner)}`];
  if (spec.idempotencyKey === undefined) {
    lines.push(`exec ${run}`);
  } else {
    const dir = idempotencyDirName(spec.idempotencyKey);
    lines.push(
      'umask 077',
      'fb_base="${FIREBREAK_IDEM_DIR:-$HOME/.firebreak/idem}"',
      `fb_d="$fb_base/${dir}"`,
      `mkdir -p "$fb_base" || { echo "firebreak: cannot create $fb_base" >&2; exit 125; }`,
      'if mkdir "$fb_d" 2>/dev/null; then',
      `  ${run} >"$fb_d/stdout" 2>"$fb_d/stderr"`,
      '  fb_rc=$?',
      `  printf '%s\\n' "$fb_rc" >"$fb_d/rc.tmp" && mv -f "$fb_d/rc.tmp" "$fb_d/rc"`,
      '  cat "$fb_d/stdout"; cat "$fb_d/stderr" >&2',
      '  exit "$fb_rc"',
      'elif [ -f "$fb_d/rc" ]; then',
      `  printf '\\036FB %s idem=replayed\\n' "$fb_n" >&2`,
      '  cat "$fb_d/stdout" 2>/dev/null; cat "$fb_d/stderr" >&2',
      '  exit "$(cat "$fb_d/rc")"',
      'else',
      `  printf '\\036FB %s idem=unknown\\n' "$fb_n" >&2`,
      '  exit 125',
      'fi',
    );
  }
  return lines.join('\n');
}

/**
 * The wrapper's `$0` on every transport and form: what sshd names a `/bin/sh` login shell, so a
 * command's `$0` (and the prefix of the shell's own error messages) never depends on whether its
 * connection had already learned to skip the second shell.
 */
export const WRAPPER_ARGV0 = 'sh';

/**
 * The exec request line that runs `script` on the target: sshd hands it to the login shell, which
 * replaces itself with `/bin/sh -c`, so the wrapper leads the session's process group. When the
 * login shell is known to be `/bin/sh` itself (`loginShellIsSh`: the wrapper's ` login=sh` marker,
 * from `$SHELL`, which sshd sets to the login shell it runs), the script IS the request: the same
 * shell parses the same text in the same process, without a second exec (~0.5 ms of a ~3 ms command).
 */
export function execLine(script: string, loginShellIsSh = false): string {
  return loginShellIsSh ? script : `exec /bin/sh -c ${shellQuote(script)} ${WRAPPER_ARGV0}`;
}

/**
 * Kills a process group on the target: TERM to the group, a bounded wait for the leader (the
 * wrapper) to go, then KILL to the group for anything that ignored TERM. The leader is watched
 * rather than the group because orphaned zombies would keep a group "alive" for `kill -0`.
 * `kill -s SIG -- -pgid` is the one spelling both dash and bash accept for a group.
 */
export function buildKillScript(pgid: number, graceMs: number): string {
  if (!safeGroup(pgid)) throw invalidCommandInput(`refusing to signal process group ${pgid}`);
  const tries = Math.max(1, Math.ceil(graceMs / 50));
  // Never group 1 (or below) and never the kill script's own group, whatever was reported.
  const script =
    `p=${pgid}; [ "$p" -gt 1 ] && [ "$p" != "$$" ] || exit 0; ` +
    `kill -s TERM -- -$p 2>/dev/null || exit 0; i=0; ` +
    `while kill -s 0 $p 2>/dev/null && [ $i -lt ${tries} ]; do sleep 0.05; i=$((i+1)); done; ` +
    'kill -s KILL -- -$p 2>/dev/null; exit 0';
  return execLine(script);
}

/** A process group the runner may signal: a real group, never 0, 1 (everything) or negative. */
export function safeGroup(pgid: number | undefined): pgid is number {
  return pgid !== undefined && Number.isSafeInteger(pgid) && pgid > 1;
}

/** Stdin for the wrapper: the marker nonce line, then one base64 line per secret, in `spec.secrets` order. */
export function buildStdin(
  secretNames: readonly string[],
  values: Readonly<Record<string, string>>,
  nonce: string,
): string {
  if (!/^[0-9a-f]{16,}$/.test(nonce)) throw invalidCommandInput('the marker nonce must be hex');
  return (
    `${nonce}\n` +
    secretNames.map((n) => Buffer.from(values[n] ?? '', 'utf8').toString('base64') + '\n').join('')
  );
}

export interface Markers {
  pgid?: number;
  /** The wrapper's first marker said the login shell is `/bin/sh` (see {@link execLine}). */
  loginShellIsSh?: boolean;
  idem?: 'replayed' | 'unknown';
  /** Byte length of the marker lines at the start of stderr. */
  length: number;
  /** True once the first non-marker byte (or a complete marker set) has been seen. */
  complete: boolean;
}

/**
 * Parses the marker lines at the start of stderr (which may still be arriving). Only lines carrying
 * this run's `nonce` count, and only the first pgid: anything else is the command's own output.
 */
export function parseMarkers(stderr: Buffer, nonce: string): Markers {
  const m: Markers = { length: 0, complete: false };
  const prefix = `${MARKER_PREFIX}${nonce} `;
  let pos = 0;
  for (;;) {
    if (pos >= stderr.length) return m;
    if (stderr[pos] !== 0x1e) {
      m.complete = true;
      return m;
    }
    const nl = stderr.indexOf(0x0a, pos);
    if (nl < 0) return m;
    const line = stderr.subarray(pos, nl).toString('utf8');
    if (!line.startsWith(prefix)) {
      m.complete = true;
      return m;
    }
    const body = line.slice(prefix.length);
    const pg = /^pgid=(\d{1,10})( login=sh)?$/.exec(body);
    if (pg?.[1] !== undefined && m.pgid === undefined && safeGroup(Number(pg[1]))) {
      m.pgid = Number(pg[1]);
      if (pg[2] !== undefined) m.loginShellIsSh = true;
    }
    if (body === 'idem=replayed' || body === 'idem=unknown') m.idem = body.slice(5) as 'replayed' | 'unknown';
    pos = nl + 1;
    m.length = pos;
  }
}
