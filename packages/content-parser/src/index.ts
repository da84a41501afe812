// Every export here is public API; named exports only.

export {
  ContentParseError,
  type ContentParseErrorCode,
  type ContentParseErrorOptions,
  type ContentPath,
  contentParseErrorCodes,
} from './content-parse-error.js';
export type {
  Annotations,
  AudioPart,
  BlobResourcePart,
  ContentIssue,
  ContentPart,
  ContentPartType,
  ErrorPart,
  ImagePart,
  JsonPart,
  Meta,
  PartBase,
  ResourceLinkPart,
  ResourcePart,
  StructuredPart,
  TextPart,
  TextResourcePart,
  UnknownPart,
} from './content-part.js';
export { type ChunkJoiner, createChunkJoiner, type JoinOptions, joinChunks } from './join-chunks.js';
export {
  createJsonSchemaValidator,
  type JsonSchema,
  type JsonSchemaCheck,
  type JsonSchemaValidatorOptions,
  type JsonSchemaValidatorProvider,
} from './json-schema-validator.js';
export { parseContentBlock } from './parse-content-block.js';
export {
  defaultMaxPartBytes,
  defaultMaxResultBytes,
  type ParseOptions,
  type ToolResultParseOptions,
} from './parse-options.js';
export { type ParsedPromptMessage, type ParsedPromptMessages, parsePromptMessages } from './parse-prompt-messages.js';
export { type ParsedResourceContents, parseResourceContents } from './parse-resource-contents.js';
export { type ParsedToolResult, parseToolResult } from './parse-tool-result.js';
export {
  type ChunkOptions,
  chunkPart,
  defaultChunkBytes,
  type PartChunk,
  type PartHeader,
  type PayloadEncoding,
  partChunkFormat,
} from './part-chunk.js';
