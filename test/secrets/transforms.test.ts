/**
 * Issue #15, finding 9 (unit level): the masker hides the transformed forms a secret takes in
 * command output — base64 with and without a trailing newline and after a prefix at each of the
 * three alignments, hex in either case, and URL encodings. The real-run test on every sink is in
 * test/hardening/engine.test.ts.
 */
import fc from 'fast-check';
import { maskForms, orderForms, secretForms } from '../../services/secrets/mask';

const secret = 'pa55-w0rd:Secret/42';
const mask = (t: string) => maskForms(t, orderForms(secretForms(secret)));
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('masking transformed secrets', () => {
  test.each([
    ['base64', b64(secret)],
    ['base64 with a trailing newline (echo | base64)', b64(`${secret}\n`)],
    ['base64 of user:secret', b64(`user:${secret}`)],
    ['base64 after a 1-byte prefix', b64(`u${secret}`)],
    ['base64 after a 2-byte prefix', b64(`us${secret}`)],
    ['base64 after a prefix, with a suffix', b64(`Basic x:${secret}\n`)],
    ['hex', Buffer.from(secret).toString('hex')],
    ['upper-case hex of a line', Buffer.from(`${secret}\n`).toString('hex').toUpperCase()],
    ['URL-encoded', encodeURIComponent(secret)],
    [
      'URL-encoded with lower-case escapes',
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    ],
    ['form-encoded with / kept', encodeURIComponent(secret).replace(/%2F/g, '/')],
  ])('masks %s', (_what, form) => {
    const out = mask(`before ${form} after`);
    expect(out).toContain('***');
    expect(out).not.toContain(form);
    expect(out.startsWith('before ')).toBe(true);
    expect(out.endsWith(' after')).toBe(true);
  });

  test('any prefix and suffix around a base64-encoded secret leave none of its encoded run', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 4 }), (prefix, suffix) => {
        const encoded = b64(`${prefix}${secret}${suffix}`);
        const core = b64(secret).slice(4, -4);
        expect(mask(encoded)).not.toContain(core.slice(0, 12));
      }),
      { numRuns: 300 },
    );
  });

  test('leaves ordinary text alone', () => {
    const text = 'disk /dev/sda1 at 93%, 0a1b2c3d ok\n';
    expect(mask(text)).toBe(text);
  });
});
