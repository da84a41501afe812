// `./mcs token`: prints an access token of the dev stack's authorization server (the http-mcp-server
// started by `./mcs dev`), obtained by signing in as the development user through the OAuth code flow
// with PKCE (dev-auth.mjs). The gateway and the http-mcp-server both accept it:
//   grpcurl -plaintext -H "authorization: Bearer $(./mcs token)" 127.0.0.1:50051 list
// `--json` prints the token endpoint's whole answer instead (refresh token, expiry, scope).
import { existsSync } from 'node:fs';
import { credentialsFile, devAuthOrigin, devCredentials, devLogin, isDevAuthError } from './dev-auth.mjs';

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--json');
if (unknown.length > 0 || args.includes('--help') || args.includes('-h')) {
  process.stderr.write(
    'Usage: ./mcs token [--json]\n  Prints an access token for the dev stack (./mcs dev must be running).\n' +
      '  PUBLIC_URL (or HOST/PORT) names the http-mcp-server when it is not http://127.0.0.1:3000.\n',
  );
  process.exit(unknown.length > 0 ? 2 : 0);
}
if (!existsSync(credentialsFile)) {
  process.stderr.write(`[mcs] error: no dev credentials yet (${credentialsFile}): start ./mcs dev first\n`);
  process.exit(1);
}
try {
  const answer = await devLogin(devAuthOrigin(), devCredentials(), { clientName: 'mcs token' });
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(answer, null, 2)}\n` : `${answer.access_token}\n`);
} catch (error) {
  if (!isDevAuthError(error)) throw error;
  process.stderr.write(`[mcs] error: ${error.message}\n`);
  process.exit(1);
}
