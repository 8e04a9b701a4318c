/**
 * The address shapes exporters put in labels, taken apart by hand (no URL class: this runs in the
 * workflow sandbox): postgres_exporter and node_exporter `instance="db1:9187"`, redis_exporter
 * `instance="redis://redis1:6379"`, blackbox `instance="http://ws1:8080/health"`, IPv6
 * `instance="[::1]:9100"`. The CEL functions `hostOf`, `portOf` and `shortHostOf` are these, and
 * the target resolver uses {@link hostProblem} to refuse anything from alert data that is not a
 * bare host. Pure.
 */

/** An address split into its parts; absent parts are undefined. */
export interface AddressParts {
  scheme?: string;
  user?: string;
  host: string;
  /** The port text as written (digits, or whatever followed the last `:`). */
  port?: string;
  path?: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * Splits `[scheme://][user@]host[:port][/path]`. A host with two or more colons and no brackets
 * is a bare IPv6 address (no port); `[v6]:port` is bracketed.
 */
export function splitAddress(value: string): AddressParts {
  let rest = value.trim();
  const out: AddressParts = { host: '' };
  const scheme = SCHEME.exec(rest);
  if (scheme) {
    out.scheme = scheme[1];
    rest = rest.slice(scheme[0].length);
  }
  const cut = rest.search(/[/?#]/);
  if (cut >= 0) {
    out.path = rest.slice(cut);
    rest = rest.slice(0, cut);
  }
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    out.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (bracket) {
    out.host = bracket[1] ?? '';
    if (bracket[2] !== undefined) out.port = bracket[2];
    return out;
  }
  const colons = (rest.match(/:/g) ?? []).length;
  if (colons === 1) {
    const i = rest.indexOf(':');
    out.host = rest.slice(0, i);
    out.port = rest.slice(i + 1);
  } else {
    out.host = rest;
  }
  return out;
}

/** The host of an address: `db1:9187` → `db1`, `redis://redis1:6379` → `redis1`, `[::1]:9100` → `::1`. */
export function hostOf(value: string): string {
  return splitAddress(value).host;
}

/** The port of an address as a number (`db1:9187` → 9187), or null when it names none. */
export function portOf(value: string): number | null {
  const port = splitAddress(value).port;
  if (port === undefined || !/^\d{1,5}$/.test(port)) return null;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? n : null;
}

/** The first label of a host name (`db1.prod.example.com` → `db1`); addresses are returned whole. */
export function shortHostOf(value: string): string {
  const host = hostOf(value);
  if (IPV4.test(host) || host.includes(':')) return host;
  return host.split('.')[0] ?? host;
}

/** Whether `host` is a DNS name, an IPv4 address or an IPv6 address (brackets not included). */
export function isHostName(host: string): boolean {
  if (host === '' || host.length > 253) return false;
  if (IPV4.test(host)) return true;
  if (host.includes(':')) return IPV6.test(host) && (host.match(/:/g) ?? []).length >= 2;
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  return labels.every((l) => HOST_LABEL.test(l));
}

/**
 * Why a value from alert data is not a bare host name or address (IPv6 may be bracketed), or
 * undefined when it is one. The reasons name what a value would otherwise smuggle in.
 */
export function hostProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (/\s/.test(value)) return 'contains whitespace';
  if (value.startsWith('-')) return 'starts with "-" (it would read as an option)';
  if (SCHEME.test(value)) return 'is a URL';
  if (value.includes('@')) return 'carries a user ("user@")';
  const bracketed = /^\[([^\]]*)\]$/.exec(value);
  if (bracketed) return isHostName(bracketed[1] ?? '') ? undefined : 'is not a host name or IP address';
  if (/^\[[^\]]*\]:/.test(value) || /^[^:]*:[^:]*$/.test(value)) return 'carries a port';
  if (/[/?#]/.test(value)) return 'carries a path';
  return isHostName(value) ? undefined : 'is not a host name or IP address';
}
