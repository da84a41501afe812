/** What a config says about a server beyond how to connect: labels for people, and how it signs in. */
export interface ServerInfo {
  /** The seed's `name`: a label (the config key is the server's name in tool names). */
  label?: string;
  description?: string;
  /**
   * `trust: true`: the model's calls of this server's tools run without asking under `--approve ask`
   * (as if annotated read-only); `--approve never` still refuses them. Sampling still asks.
   */
  trust?: boolean;
  /** The seed's `auth` block. */
  auth?: {
    required: boolean;
    /** The seed's scripted sign-in fields (credentials: never printed). */
    postBody?: Record<string, string>;
  };
}
