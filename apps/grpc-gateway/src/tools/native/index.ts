import { echoTool } from './echo.js';
import type { NativeTool } from './native-tool.js';
import { tickerTool } from './ticker.js';

/** The native tools the gateway serves when `nativeTools` is on. */
export const builtInNativeTools: readonly NativeTool[] = [echoTool, tickerTool];
