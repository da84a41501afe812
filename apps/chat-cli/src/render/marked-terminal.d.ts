// marked-terminal ships no types, and @types/marked-terminal is written for marked < 12: only the
// part this CLI calls, as marked-terminal 7 implements it (an extension object for `new Marked()`).
declare module 'marked-terminal' {
  import type { MarkedExtension } from 'marked';

  export interface TerminalRendererOptions {
    width?: number;
    reflowText?: boolean;
    showSectionPrefix?: boolean;
    tab?: number | string;
    emoji?: boolean;
  }

  export function markedTerminal(options?: TerminalRendererOptions, highlightOptions?: object): MarkedExtension;
}
