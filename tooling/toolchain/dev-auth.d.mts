// Types of dev-auth.mjs, for the TypeScript tests that sign in the way `./mcs token` does (test/e2e).
export declare const repoRoot: string;
export declare const devDir: string;
export declare const credentialsFile: string;
export interface DevCredentials {
  user: string;
  password: string;
  signingKey: Record<string, string>;
}
export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}
export declare function devAuthOrigin(env?: NodeJS.ProcessEnv): string;
export declare function devCredentials(): DevCredentials;
export declare function devLogin(
  origin: string,
  credentials: { user: string; password: string },
  options?: { clientName?: string },
): Promise<TokenAnswer>;
export declare function waitForAuthServer(
  origin: string,
  options?: { timeoutMs?: number; signal?: AbortSignal; path?: string },
): Promise<void>;
export declare function isDevAuthError(error: unknown): boolean;
