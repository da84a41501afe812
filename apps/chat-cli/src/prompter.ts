/**
 * Asks the person at the terminal one question and resolves with the line they typed, or
 * `undefined` when it cannot be answered (input ended, Ctrl-C, `signal` aborted). Used for tool
 * approval and elicitation forms while a turn runs.
 */
export interface Prompter {
  ask(question: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** The prompter in use, if any: the REPL's input while it runs; none when nobody can answer. */
export interface PrompterSlot {
  current: Prompter | undefined;
}
