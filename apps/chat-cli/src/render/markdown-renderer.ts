/** Renders one finished Markdown block for a terminal `width` columns wide (no trailing newline). */
export type MarkdownRenderer = (markdown: string, width: number) => string;

let loading: Promise<MarkdownRenderer> | undefined;

/**
 * `marked` with `marked-terminal` (headings, lists, tables, code coloured by cli-highlight), imported
 * on first use: it weighs about 170 ms of module loading, which `--help`, the JSON and pipe outputs
 * and the start of the REPL do not pay. A block that cannot be rendered is shown as it is.
 */
export function loadMarkdownRenderer(): Promise<MarkdownRenderer> {
  loading ??= (async () => {
    const [{ Marked }, { markedTerminal }] = await withColourDecided(() =>
      Promise.all([import('marked'), import('marked-terminal')]),
    );
    const make = (width: number) =>
      new Marked(
        // Emoji shortcodes stay as typed (`:x:` is often code); the `#` of headings is left out.
        markedTerminal({ width, reflowText: true, showSectionPrefix: false, tab: 2, emoji: false }),
        {
          renderer: {
            // marked-terminal 7 prints a text token's source, so `*mild*` in a tight list item stayed
            // raw: its inline tokens are rendered instead (false: marked-terminal's own rendering).
            text(token) {
              return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : false;
            },
          },
        },
      );
    const byWidth = new Map<number, ReturnType<typeof make>>();
    return (markdown, width) => {
      const marked = byWidth.get(width) ?? make(width);
      byWidth.set(width, marked);
      try {
        return String(marked.parse(markdown, { async: false })).replace(/\n+$/, '');
      } catch {
        return markdown;
      }
    };
  })();
  return loading;
}

/**
 * The terminal view has already decided on colour (a terminal, no `NO_COLOR`, `TERM` not dumb) before
 * it asks for this renderer. chalk, inside marked-terminal and cli-highlight, decides again when it is
 * loaded and says no wherever `CI` is set, so headings and code came out uncoloured in a terminal
 * under CI. It is told for the import only (supports-color reads the environment once, when loaded),
 * so child processes started later do not inherit it; a user's own `FORCE_COLOR` is left to chalk.
 */
async function withColourDecided<T>(load: () => Promise<T>): Promise<T> {
  if (process.env.FORCE_COLOR !== undefined) return load();
  process.env.FORCE_COLOR = '1';
  try {
    return await load();
  } finally {
    delete process.env.FORCE_COLOR;
  }
}
