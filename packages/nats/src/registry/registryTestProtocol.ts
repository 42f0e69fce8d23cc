// What the registry test nodes and their driver say to each other: the function they run, requests, replies and reports.

export const testFunctionName = 'registry.quote';

/** What a node prints on stdout, one JSON object a line. */
export type NodeReport =
  | { readonly kind: 'ready'; readonly node: string; readonly revision: number }
  | { readonly kind: 'applied'; readonly node: string; readonly name: string; readonly revision: number; readonly at: number };

export interface InvokeRequest {
  readonly x: number;
  readonly userId?: string;
  /** Stands in for the claim the shell's auth layer would have verified. */
  readonly jurisdiction?: string;
}

export type InvokeReply = { readonly by: string } | { readonly error: string };
