/**
 * What a new user's install depends on: a lockfile `npm ci` accepts on every platform and npm
 * version, `engines` that every locked package agrees with, and a decision for every dependency
 * that has an install script (npm 11 skips undecided ones and lists them after the install).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { intersects, satisfies, subset } from 'semver';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: { node?: string };
  allowScripts?: Record<string, boolean>;
}
interface Locked extends Manifest {
  version?: string;
  hasInstallScript?: boolean;
  optional?: boolean;
}

const pkg = JSON.parse(read('package.json')) as Manifest;
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, Locked> };
const locked = Object.entries(lock.packages).filter(([path]) => path !== '');
const supported = pkg.engines?.node ?? '';

/** `node_modules/a/node_modules/@b/c` → `@b/c`. */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Where Node would find `name` required from the package at `from`, as a lockfile key. */
function resolveFrom(from: string, name: string): string | undefined {
  for (let dir = from; ;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up >= 0 ? dir.slice(0, up) : '';
  }
}

describe('package-lock.json', () => {
  it('locks every dependency of every package, including the optional builds for other platforms', () => {
    // npm 11's `npm ci` refuses a lockfile that dropped e.g. @swc/core-darwin-arm64 on Linux.
    const missing = locked.flatMap(([path, entry]) =>
      Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })
        .filter((dep) => !resolveFrom(path, dep))
        .map((dep) => `${path} → ${dep}`),
    );
    expect(missing).toEqual([]);
    const swcBuilds = Object.keys(lock.packages['node_modules/@swc/core']?.optionalDependencies ?? {});
    expect(swcBuilds).toEqual(expect.arrayContaining(['@swc/core-darwin-arm64', '@swc/core-win32-x64-msvc']));
  });

  it('was written for the current package.json', () => {
    const root = lock.packages[''];
    expect(root?.dependencies).toEqual(pkg.dependencies);
    expect(root?.devDependencies).toEqual(pkg.devDependencies);
    expect(root?.engines).toEqual(pkg.engines);
  });
});

describe('supported Node versions', () => {
  it("are Node 20 (from 20.19, past its end of life but still the CI machine's), 22 (from 22.13) and 24", () => {
    expect(satisfies('20.19.0', supported)).toBe(true);
    expect(satisfies('22.13.0', supported)).toBe(true);
    expect(satisfies('24.0.0', supported)).toBe(true);
    expect(satisfies('20.18.0', supported)).toBe(false);
    expect(satisfies('22.12.0', supported)).toBe(false);
    expect(satisfies('23.0.0', supported)).toBe(false);
  });

  it('keep light-my-request on cookie 1 (cookie 2 needs Node 22 and is ESM only)', () => {
    const cookies = Object.entries(lock.packages).filter(([path]) =>
      /(^|\/)node_modules\/cookie$/.test(path),
    );
    expect(cookies.length).toBeGreaterThan(0);
    for (const [, entry] of cookies) expect(entry.version).toMatch(/^1\./);
  });

  it('are supported by every locked package', () => {
    // Otherwise `npm install` warns EBADENGINE on a version we claim (cookie@2 needs Node 22: hence the override).
    const disagreeing = locked
      .filter(([, entry]) => entry.engines?.node && !subset(supported, entry.engines.node))
      .map(([path, entry]) => `${path}@${entry.version ?? '?'} needs node ${entry.engines?.node ?? ''}`);
    expect(disagreeing).toEqual([]);
  });

  it('include the Docker image Node, and README names them', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)[-\w.]*/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const major of images) expect(intersects(`${major}.x`, supported)).toBe(true);
    expect(read('README.md')).toContain(`\`${supported}\``);
  });
});

describe('install scripts of dependencies', () => {
  const withScripts = [...new Set(locked.filter(([, e]) => e.hasInstallScript).map(([p]) => nameOf(p)))];

  it('each have an allowScripts decision in package.json, and each decision names one', () => {
    expect(Object.keys(pkg.allowScripts ?? {}).sort()).toEqual(withScripts.sort());
  });

  it('are decided by name: a version pin never matches a lockfile entry without a `resolved` URL', () => {
    // This lockfile is written with omit-lockfile-registry-resolved, so npm 11 could not match a pin.
    for (const key of Object.keys(pkg.allowScripts ?? {})) expect(key).toMatch(/^(@[^/@]+\/)?[^/@]+$/);
  });

  it('are each explained in README', () => {
    const readme = read('README.md');
    for (const name of withScripts) expect(readme).toContain(`\`${name}\``);
  });
});

describe('the install command', () => {
  it('is `npm ci` in README, CI and the Dockerfile', () => {
    expect(read('README.md')).toContain('npm ci && npm start');
    expect(read('.ci/run')).toMatch(/^npm ci\b/m);
    expect(read('.ci/run')).not.toMatch(/^npm install\b/m);
    expect(read('Dockerfile')).toMatch(/RUN npm ci\b/);
  });
});
