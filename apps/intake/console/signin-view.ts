/** The sign-in page: a person's API token from the on-call config opens a console session. */
import { html } from './html';
import type { Html } from './html';

export function signinBody(opts: { csrf: string; next: string; error?: string }): Html {
  return html`<h1>Sign in</h1>
    <p>
      Sign in with your Firebreak token: the API token the on-call config gives you (<code
        >token: { env | file }</code
      >). The session lasts a working day; sign out on shared machines.
    </p>
    ${opts.error ? html`<p class="flash bad" role="alert">${opts.error}</p>` : ''}
    <form class="stack" method="post" action="/signin" id="signin" data-next="${opts.next}">
      <input type="hidden" name="csrf" value="${opts.csrf}" />
      <input type="hidden" name="next" value="${opts.next}" />
      <label
        >Token<input type="password" name="token" autocomplete="current-password" required autofocus
      /></label>
      <div class="buttons"><button type="submit">Sign in</button></div>
    </form>`;
}
