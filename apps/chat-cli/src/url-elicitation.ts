import type { ElicitationAnswer, UrlElicitationRequest } from '@mcs/provider-sdk';
import { browserCommand, openInBrowser } from './auth/open-browser.js';
import type { Prompter } from './prompter.js';
import { serverLine } from './server-text.js';

type Env = Record<string, string | undefined>;

export interface UrlElicitationOptions {
  env: Env;
  /** A status line for the person (one not answered: no one to ask, or nothing to ask). */
  notice(text: string): void;
}

/** Only web pages are opened: a `file:`, `javascript:` or custom-scheme URL from a server is refused unasked. */
function webUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The yes/no/cancel word of an answer; `undefined` (Ctrl-C, input ended) and anything unknown cancel. */
function choice(answer: string | undefined): ElicitationAnswer['action'] {
  const word = answer?.trim().toLowerCase();
  if (word === 'y' || word === 'yes') return 'accept';
  if (word === 'n' || word === 'no') return 'decline';
  return 'cancel';
}

/**
 * A server's URL elicitation (`elicitation/create`, mode `url`: a sign-in or payment page of its own,
 * outside MCP): the whole URL and its host are shown and the person agrees before anything opens
 * (the spec's consent). `y` opens it in the browser (`BROWSER`, else the platform's opener; with
 * none the person opens it) and answers `accept`, which tells the server the person goes ahead, not
 * that the page was completed; `n` answers `decline`, anything else `cancel`. With nobody at a
 * terminal (`prompter` undefined) the URL is printed and the request cancelled.
 */
export async function askUrl(
  request: UrlElicitationRequest,
  prompter: Prompter | undefined,
  options: UrlElicitationOptions,
): Promise<ElicitationAnswer> {
  const who = `MCP server "${request.backend}"`;
  const url = webUrl(request.url);
  if (!url) {
    const refusal = `mcs-chat: ${who} asked to open ${serverLine(request.url, 200)}, which is not an http(s) address: declined`;
    options.notice(refusal);
    return { action: 'decline' };
  }
  const shown = `${who} asks you to open a web page (on ${url.host}):\n  ${url.href}\n  "${serverLine(request.message, 500)}"`;
  if (!prompter) {
    options.notice(`mcs-chat: ${shown}\nmcs-chat: nobody at a terminal to agree: the request was cancelled`);
    return { action: 'cancel' };
  }
  const browser = browserCommand(options.env, true);
  const action = choice(
    await prompter.ask(
      browser
        ? `${shown}\nOpen it in your browser? [y]es, [n]o (decline), [c]ancel: `
        : `${shown}\nNo browser opens here (no BROWSER, no desktop): open the address yourself.\nGo ahead? [y]es, [n]o (decline), [c]ancel: `,
      request.signal,
    ),
  );
  if (action !== 'accept' || !browser) return { action };
  const failed = await openInBrowser(browser, url);
  if (!failed) return { action };
  return {
    action: choice(
      await prompter.ask(
        `The browser did not start (${browser[0]}: ${serverLine(failed.message, 200)}): open the address yourself.\nGo ahead? [y]es, [n]o (decline), [c]ancel: `,
        request.signal,
      ),
    ),
  };
}
