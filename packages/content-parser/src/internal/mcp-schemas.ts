// Zod schemas for the MCP wire shapes this package reads (protocol 2025-06-18 and later). They mirror
// the official SDK's schemas but are kept per block, so one bad block can be reported (or, in lenient
// mode, kept as an `unknown` part) without rejecting its neighbours.
import { z } from 'zod';

export const metaSchema = z.record(z.string(), z.unknown());

// Loose: annotation keys added by later protocol versions are kept, not stripped.
export const annotationsSchema = z.looseObject({
  audience: z.array(z.enum(['user', 'assistant'])).optional(),
  priority: z.number().optional(),
  lastModified: z.string().optional(),
});

const iconSchema = z.looseObject({
  src: z.string(),
  mimeType: z.string().optional(),
  sizes: z.array(z.string()).optional(),
  theme: z.enum(['light', 'dark']).optional(),
});

const decorations = { annotations: annotationsSchema.optional(), _meta: metaSchema.optional() };

export const resourceContentsSchema = z
  .object({
    uri: z.string(),
    mimeType: z.string().optional(),
    _meta: metaSchema.optional(),
    text: z.string().optional(),
    blob: z.string().optional(),
  })
  .check((context) => {
    const { text, blob } = context.value;
    if ((text === undefined) === (blob === undefined)) {
      context.issues.push({
        code: 'custom',
        input: context.value,
        message: 'resource contents need exactly one of "text" or "blob"',
      });
    }
  });

export const blockSchemas = {
  text: z.object({ type: z.literal('text'), text: z.string(), ...decorations }),
  image: z.object({ type: z.literal('image'), data: z.string(), mimeType: z.string(), ...decorations }),
  audio: z.object({ type: z.literal('audio'), data: z.string(), mimeType: z.string(), ...decorations }),
  resource: z.object({ type: z.literal('resource'), resource: resourceContentsSchema, ...decorations }),
  resource_link: z.object({
    type: z.literal('resource_link'),
    uri: z.string(),
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
    size: z.number().nonnegative().optional(),
    icons: z.array(iconSchema).optional(),
    ...decorations,
  }),
} as const;

export type KnownBlockType = keyof typeof blockSchemas;
export type TextBlock = z.infer<(typeof blockSchemas)['text']>;
export type ResourceContents = z.infer<typeof resourceContentsSchema>;

export function isKnownBlockType(type: string): type is KnownBlockType {
  return Object.hasOwn(blockSchemas, type);
}

export const callToolResultSchema = z.looseObject({
  // Optional: results that carry only structuredContent may omit it (the SDK defaults it to []).
  content: z.array(z.unknown()).optional(),
  structuredContent: z.unknown().optional(),
  isError: z.boolean().optional(),
  _meta: metaSchema.optional(),
});

export const readResourceResultSchema = z.looseObject({
  contents: z.array(z.unknown()),
  _meta: metaSchema.optional(),
});

export const getPromptResultSchema = z.looseObject({
  description: z.string().optional(),
  messages: z.array(z.unknown()),
  _meta: metaSchema.optional(),
});

export const promptMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.unknown(),
});
