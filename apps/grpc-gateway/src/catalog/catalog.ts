import type { BackendConnection, ListChangedKind } from '@mcs/transports';
import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { NATIVE_BACKEND } from '../config.js';
import type { NativeTool } from '../tools/native/native-tool.js';
import { type ArgumentsValidator, compileArgumentsValidator } from './arguments-validator.js';

/** One tool of the merged catalog. */
export interface CatalogTool {
  /** `<backend>.<tool>` */
  name: string;
  backend: string;
  /** The tool as its backend describes it (its own, un-namespaced name). */
  definition: Tool;
  /** Set for native tools. */
  native?: NativeTool;
  /** Checks arguments against `definition.inputSchema`; undefined when the schema does not compile. */
  validateArguments: ArgumentsValidator | undefined;
}

export interface CatalogPrompt {
  /** `<backend>.<prompt>` */
  name: string;
  backend: string;
  definition: Prompt;
}

export interface CatalogChange {
  kind: ListChangedKind;
  backend: string;
}

interface BackendEntry {
  connection: BackendConnection;
  filter: (toolName: string) => boolean;
  tools: CatalogTool[];
  resources: Resource[];
  templates: ResourceTemplateType[];
  prompts: CatalogPrompt[];
}

/**
 * The merged view of every backend's tools, resources and prompts, kept fresh: a backend's
 * `list_changed` (also sent after a restart) re-lists that backend's list, then every `onChange`
 * listener hears about it (WatchChanges streams). Tool names are always `<backend>.<tool>`.
 */
export class Catalog {
  private readonly entries = new Map<string, BackendEntry>();
  private readonly nativeTools: CatalogTool[];
  private readonly listeners = new Set<(change: CatalogChange) => void>();
  private readonly unsubscribers: (() => void)[] = [];
  private toolIndex = new Map<string, CatalogTool>();

  constructor(
    backends: ReadonlyMap<string, { connection: BackendConnection; filter: (toolName: string) => boolean }>,
    nativeTools: readonly NativeTool[],
    private readonly logger: Logger,
  ) {
    this.nativeTools = nativeTools.map((tool) => ({
      name: `${NATIVE_BACKEND}.${tool.name}`,
      backend: NATIVE_BACKEND,
      definition: {
        name: tool.name,
        ...(tool.title === undefined ? {} : { title: tool.title }),
        description: tool.description,
        inputSchema: tool.inputSchema as Tool['inputSchema'],
      },
      native: tool,
      validateArguments: compileArgumentsValidator(tool.inputSchema),
    }));
    for (const [name, { connection, filter }] of backends) {
      this.entries.set(name, { connection, filter, tools: [], resources: [], templates: [], prompts: [] });
      this.unsubscribers.push(
        connection.on('list_changed', ({ kind }) => {
          void this.refresh(name, kind).then(() => this.emit({ kind, backend: name }));
        }),
      );
    }
    this.reindex();
  }

  /** Lists everything on every backend that is up (a backend that is down keeps empty lists until it is back). */
  async refreshAll(): Promise<void> {
    const kinds: ListChangedKind[] = ['tools', 'resources', 'prompts'];
    await Promise.all([...this.entries.keys()].flatMap((backend) => kinds.map((kind) => this.refresh(backend, kind))));
  }

  /** Re-lists one list of one backend; failures are logged and keep the previous list. */
  async refresh(backend: string, kind: ListChangedKind): Promise<void> {
    const entry = this.entries.get(backend);
    if (!entry) return;
    const capabilities = entry.connection.serverCapabilities;
    try {
      if (kind === 'tools') {
        const tools = capabilities?.tools ? await entry.connection.listTools() : [];
        entry.tools = tools
          .filter((tool) => entry.filter(tool.name))
          .map((tool) => ({
            name: `${backend}.${tool.name}`,
            backend,
            definition: tool,
            validateArguments: compileArgumentsValidator(tool.inputSchema),
          }));
        this.reindex();
      } else if (kind === 'resources') {
        const supported = capabilities?.resources !== undefined;
        entry.resources = supported ? await entry.connection.listResources() : [];
        entry.templates = supported ? await entry.connection.listResourceTemplates() : [];
      } else {
        const prompts = capabilities?.prompts ? await entry.connection.listPrompts() : [];
        entry.prompts = prompts.map((prompt) => ({ name: `${backend}.${prompt.name}`, backend, definition: prompt }));
      }
    } catch (error) {
      this.logger.warn({ err: error, backend, kind }, 'listing a backend failed; keeping its previous list');
    }
  }

  /** Every tool, native ones first, each group sorted by name. */
  tools(): CatalogTool[] {
    return [...this.toolIndex.values()];
  }

  tool(name: string): CatalogTool | undefined {
    return this.toolIndex.get(name);
  }

  resources(): { backend: string; resource: Resource }[] {
    return [...this.entries].flatMap(([backend, entry]) => entry.resources.map((resource) => ({ backend, resource })));
  }

  templates(): { backend: string; template: ResourceTemplateType }[] {
    return [...this.entries].flatMap(([backend, entry]) => entry.templates.map((template) => ({ backend, template })));
  }

  prompts(): CatalogPrompt[] {
    return [...this.entries.values()].flatMap((entry) => entry.prompts).sort((a, b) => a.name.localeCompare(b.name));
  }

  prompt(name: string): CatalogPrompt | undefined {
    return this.prompts().find((prompt) => prompt.name === name);
  }

  backendNames(): string[] {
    return [...(this.nativeTools.length > 0 ? [NATIVE_BACKEND] : []), ...this.entries.keys()];
  }

  connection(backend: string): BackendConnection | undefined {
    return this.entries.get(backend)?.connection;
  }

  /** The backend whose resource list holds `uri`, if exactly one does. */
  backendOfResource(uri: string): string | undefined {
    return this.resources().find(({ resource }) => resource.uri === uri)?.backend;
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.listeners.clear();
  }

  private emit(change: CatalogChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private reindex(): void {
    const byName = (a: CatalogTool, b: CatalogTool) => a.name.localeCompare(b.name);
    const backendTools = [...this.entries.values()].flatMap((entry) => entry.tools).sort(byName);
    this.toolIndex = new Map([...this.nativeTools, ...backendTools].map((tool) => [tool.name, tool]));
  }
}
