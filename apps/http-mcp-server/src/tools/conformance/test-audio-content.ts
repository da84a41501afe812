import { SILENT_WAV_BASE64 } from './fixtures.js';
import { staticContentTool } from './static-content-tool.js';

export const testAudioContentTool = staticContentTool('test_audio_content', 'Returns audio content (short WAV)', {
  content: [{ type: 'audio', data: SILENT_WAV_BASE64, mimeType: 'audio/wav' }],
});
