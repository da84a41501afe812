import { TASKS_EXTENSION_ID } from '../mcp/stateless/tasks/tasks-extension.js';
import type { ToolPack } from '../pack-framework/tool-pack.js';
import { testPromptWithArguments } from '../prompts/test-prompt-with-arguments.js';
import { testPromptWithEmbeddedResource } from '../prompts/test-prompt-with-embedded-resource.js';
import { testPromptWithImage } from '../prompts/test-prompt-with-image.js';
import { testSimplePrompt } from '../prompts/test-simple-prompt.js';
import { staticBinaryResource } from '../resources/static-binary-resource.js';
import { staticTextResource } from '../resources/static-text-resource.js';
import { templateDataResource } from '../resources/template-data-resource.js';
import { watchedResource } from '../resources/watched-resource.js';
import {
  inputRequiredCapabilitiesTool,
  inputRequiredElicitationTool,
  inputRequiredListRootsTool,
  inputRequiredMultipleInputsTool,
  inputRequiredMultiRoundTool,
  inputRequiredPrompt,
  inputRequiredRequestStateTool,
  inputRequiredSamplingTool,
  inputRequiredTamperedStateTool,
} from '../tools/conformance/input-required-results.js';
import { jsonSchema202012Tool } from '../tools/conformance/json-schema-2020-12-tool.js';
import {
  testLoggingTool,
  testMissingCapabilityTool,
  testStreamingElicitationTool,
  testTriggerPromptChangeTool,
  testTriggerToolChangeTool,
} from '../tools/conformance/stateless-diagnostics.js';
import { taskFixtures } from '../tools/conformance/task-fixtures.js';
import { testAudioContentTool } from '../tools/conformance/test-audio-content.js';
import { testCustomHeaderTool } from '../tools/conformance/test-custom-header.js';
import { testElicitationTool } from '../tools/conformance/test-elicitation.js';
import { testElicitationSep1034DefaultsTool } from '../tools/conformance/test-elicitation-sep1034-defaults.js';
import { testElicitationSep1330EnumsTool } from '../tools/conformance/test-elicitation-sep1330-enums.js';
import { testEmbeddedResourceTool } from '../tools/conformance/test-embedded-resource.js';
import { testErrorHandlingTool } from '../tools/conformance/test-error-handling.js';
import { testImageContentTool } from '../tools/conformance/test-image-content.js';
import { testMultipleContentTypesTool } from '../tools/conformance/test-multiple-content-types.js';
import { testSamplingTool } from '../tools/conformance/test-sampling.js';
import { testSimpleTextTool } from '../tools/conformance/test-simple-text.js';
import { testToolWithLoggingTool } from '../tools/conformance/test-tool-with-logging.js';
import { testToolWithProgressTool } from '../tools/conformance/test-tool-with-progress.js';

/**
 * The fixtures `@modelcontextprotocol/conformance` calls: 0.1.16 (`server --suite active`) and
 * 0.2.0-alpha (`server --requirements 2026-07-28`: the stateless diagnostics, input-required
 * results, JSON Schema 2020-12 and custom headers).
 */
export const conformancePack: ToolPack = {
  name: 'conformance',
  description: 'fixture tools, resources and prompts of the MCP conformance suite',
  tools: [
    testSimpleTextTool,
    testImageContentTool,
    testAudioContentTool,
    testEmbeddedResourceTool,
    testMultipleContentTypesTool,
    testToolWithLoggingTool,
    testErrorHandlingTool,
    testToolWithProgressTool,
    testSamplingTool,
    testElicitationTool,
    testElicitationSep1034DefaultsTool,
    testElicitationSep1330EnumsTool,
    jsonSchema202012Tool,
    testMissingCapabilityTool,
    testStreamingElicitationTool,
    testLoggingTool,
    testTriggerToolChangeTool,
    testTriggerPromptChangeTool,
    inputRequiredElicitationTool,
    inputRequiredSamplingTool,
    inputRequiredListRootsTool,
    inputRequiredRequestStateTool,
    inputRequiredMultipleInputsTool,
    inputRequiredMultiRoundTool,
    inputRequiredTamperedStateTool,
    inputRequiredCapabilitiesTool,
    testCustomHeaderTool,
    taskFixtures,
  ],
  resources: [staticTextResource, staticBinaryResource, templateDataResource, watchedResource],
  prompts: [
    testSimplePrompt,
    testPromptWithArguments,
    testPromptWithEmbeddedResource,
    testPromptWithImage,
    inputRequiredPrompt,
  ],
  capabilities: {
    tools: { listChanged: true },
    resources: { subscribe: true, listChanged: true },
    prompts: { listChanged: true },
    logging: {},
    completions: {},
    // The tasks extension (SEP-2663) of 2026-07-28: `taskFixtures`.
    extensions: { [TASKS_EXTENSION_ID]: {} },
  },
};
