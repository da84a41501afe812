/** What a config says about a server beyond how to connect: labels for people, and how it signs in. */
export interface ServerInfo {
  /** The seed's `name`: a label (the config key is the server's name in tool names). */
  label?: string;
  description?: string;
  /** The seed's `auth` block. */
  auth?: {
    required: boolean;
    /** The seed's scripted sign-in fields (credentials: never printed). */
    postBody?: Record<string, string>;
  };
}
