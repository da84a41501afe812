import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';

/**
 * The SDK's own messages, the same whatever model API answers: `generate` takes and returns them,
 * the model interface carries them, and each model converts them at its edge (for the OpenAI-compatible
 * model: `toOpenAIMessages`). A tool call is named by the pool name (`<backend>.<tool>`) in a
 * conversation, and by the name the model saw only inside a model call.
 */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string | UserContentPart[];
}

/** What a user message may hold besides text (the model API must support it). */
export type UserContentPart =
  | { type: 'text'; text: string }
  /** An `http(s)://` or `data:` URL. */
  | { type: 'image'; url: string }
  /** Base64 audio. */
  | { type: 'audio'; data: string; format: 'wav' | 'mp3' }
  /** A file by its data (base64 or a data URL) or an id the API gave it. */
  | { type: 'file'; data?: string; fileId?: string; filename?: string };

export interface AssistantMessage {
  role: 'assistant';
  content: string;
  /** The tools the model asked for in this turn (their results follow as `tool` messages). */
  toolCalls?: MessageToolCall[];
}

export interface MessageToolCall {
  /** Ties the call to its `tool` message. */
  id: string;
  /** The pool name (`<backend>.<tool>`), or the name the model used when it is no pool tool. */
  name: string;
  /** The arguments as the model wrote them (JSON text). */
  arguments: string;
}

export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
}

/** A message as `generate` accepts it: ours, or an OpenAI chat message (converted on the way in). */
export type MessageInput = Message | ChatCompletionMessageParam;

// Reading: our shape or OpenAI's, per role; unknown extra fields (OpenAI's `name`, ...) are ignored.
const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
/** Text as a string or as text parts (OpenAI allows both for system, assistant and tool messages). */
const text = z
  .union([z.string(), z.array(z.union([textPart, z.looseObject({ type: z.literal('refusal'), refusal: z.string() })]))])
  .transform((value) =>
    typeof value === 'string' ? value : value.map((part) => (part.type === 'text' ? part.text : part.refusal)).join(''),
  );

const userPart = z.union([
  textPart.transform(({ text: value }): UserContentPart => ({ type: 'text', text: value })),
  z
    .looseObject({ type: z.literal('image'), url: z.string().min(1) })
    .transform(({ url }): UserContentPart => ({ type: 'image', url })),
  z
    .looseObject({ type: z.literal('image_url'), image_url: z.looseObject({ url: z.string().min(1) }) })
    .transform(({ image_url }): UserContentPart => ({ type: 'image', url: image_url.url })),
  z
    .looseObject({ type: z.literal('audio'), data: z.string().min(1), format: z.enum(['wav', 'mp3']) })
    .transform(({ data, format }): UserContentPart => ({ type: 'audio', data, format })),
  z
    .looseObject({
      type: z.literal('input_audio'),
      input_audio: z.looseObject({ data: z.string().min(1), format: z.enum(['wav', 'mp3']) }),
    })
    .transform(({ input_audio }): UserContentPart => ({ type: 'audio', ...input_audio })),
  z
    .looseObject({
      type: z.literal('file'),
      data: z.string().optional(),
      fileId: z.string().optional(),
      filename: z.string().optional(),
      file: z
        .looseObject({
          file_data: z.string().optional(),
          file_id: z.string().optional(),
          filename: z.string().optional(),
        })
        .optional(),
    })
    .transform(({ data, fileId, filename, file }): UserContentPart => {
      const fileData = data ?? file?.file_data;
      const id = fileId ?? file?.file_id;
      const name = filename ?? file?.filename;
      return {
        type: 'file',
        ...(fileData === undefined ? {} : { data: fileData }),
        ...(id === undefined ? {} : { fileId: id }),
        ...(name === undefined ? {} : { filename: name }),
      };
    })
    .refine((part) => part.type === 'file' && (part.data !== undefined || part.fileId !== undefined), {
      message: 'a file part needs its data or a fileId',
    }),
]);

const toolCall = z.union([
  z.looseObject({ id: z.string().min(1), name: z.string().min(1), arguments: z.string() }),
  z
    .looseObject({
      id: z.string().min(1),
      type: z.literal('function'),
      function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
    })
    .transform(({ id, function: { name, arguments: args } }) => ({ id, name, arguments: args })),
]);

export const MessageInputSchema = z.discriminatedUnion('role', [
  z
    .looseObject({ role: z.enum(['system', 'developer']), content: text })
    .transform(({ content }): Message => ({ role: 'system', content })),
  z
    .looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(userPart)]) })
    .transform(({ content }): Message => ({ role: 'user', content })),
  z
    .looseObject({
      role: z.literal('assistant'),
      content: z.union([text, z.null()]).optional(),
      toolCalls: z.array(toolCall).optional(),
      tool_calls: z.array(toolCall).optional(),
    })
    .transform(({ content, toolCalls, tool_calls }): Message => {
      const calls = (toolCalls ?? tool_calls)?.map(({ id, name, arguments: args }) => ({ id, name, arguments: args }));
      return { role: 'assistant', content: content ?? '', ...(calls && calls.length > 0 ? { toolCalls: calls } : {}) };
    }),
  z
    .looseObject({
      role: z.literal('tool'),
      toolCallId: z.string().min(1).optional(),
      tool_call_id: z.string().min(1).optional(),
      content: text,
    })
    .refine((message) => (message.toolCallId ?? message.tool_call_id) !== undefined, {
      message: 'a tool message needs the toolCallId of the call it answers',
      path: ['toolCallId'],
    })
    .transform(
      ({ toolCallId, tool_call_id, content }): Message => ({
        role: 'tool',
        toolCallId: (toolCallId ?? tool_call_id)!,
        content,
      }),
    ),
]);

/** OpenAI chat messages (or ours) as ours; throws a zod error naming the bad field. */
export function fromOpenAIMessages(messages: readonly MessageInput[]): Message[] {
  return z.array(MessageInputSchema).parse(messages);
}

function userContentOf(content: UserMessage['content']) {
  if (typeof content === 'string') return content;
  return content.map((part) => {
    switch (part.type) {
      case 'text':
        return { type: 'text' as const, text: part.text };
      case 'image':
        return { type: 'image_url' as const, image_url: { url: part.url } };
      case 'audio':
        return { type: 'input_audio' as const, input_audio: { data: part.data, format: part.format } };
      default:
        return {
          type: 'file' as const,
          file: {
            ...(part.data === undefined ? {} : { file_data: part.data }),
            ...(part.fileId === undefined ? {} : { file_id: part.fileId }),
            ...(part.filename === undefined ? {} : { filename: part.filename }),
          },
        };
    }
  });
}

/** Our messages as OpenAI chat messages (for the chat-completions API, or an application that stores that shape). */
export function toOpenAIMessages(messages: readonly Message[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: userContentOf(message.content) };
      case 'assistant':
        return message.toolCalls && message.toolCalls.length > 0
          ? {
              role: 'assistant',
              content: message.content === '' ? null : message.content,
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : { role: 'assistant', content: message.content };
      default:
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
}
