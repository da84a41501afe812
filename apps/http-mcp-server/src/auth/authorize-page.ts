const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

export interface ConsentPageInput {
  requestId: string;
  csrfToken: string;
  clientName: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  resource: string;
  error?: string;
  /** Sign-in happens at this OpenID provider after consent: no password fields here. */
  federatedIssuer?: string;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}' +
  '.error{color:#a00}.actions{margin-top:1.25rem;display:flex;gap:.75rem}code{word-break:break-all}';

/** The login + consent form of `/authorize`: plain HTML, works without JavaScript. */
export function renderConsentPage(input: ConsentPageInput): string {
  const scopes = input.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  const error = input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in to authorize ${escapeHtml(input.clientName)}</title><style>${STYLE}</style></head>
<body><main>
<h1>Sign in</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> (<code>${escapeHtml(input.clientId)}</code>) asks to use
<code>${escapeHtml(input.resource)}</code> on your behalf with these permissions:</p>
<ul>${scopes}</ul>
<p>After your decision you are sent to <code>${escapeHtml(input.redirectUri)}</code>.</p>
${error}
<form method="post" action="/authorize">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(input.csrfToken)}">
${
  input.federatedIssuer
    ? `<p>After you allow, you sign in at <code>${escapeHtml(input.federatedIssuer)}</code>.</p>`
    : `<label for="username">User name</label><input type="text" id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>`
}
<div class="actions"><button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button></div>
</form>
</main></body></html>`;
}

/** A page for errors that must not be sent to an unverified redirect URI. */
export function renderErrorPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization error</title><style>${STYLE}</style></head>
<body><main><h1>Authorization error</h1><p class="error">${escapeHtml(message)}</p></main></body></html>`;
}
