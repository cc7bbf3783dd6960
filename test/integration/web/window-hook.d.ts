// The page's read-only debugging hook (src/web/debug-hook.ts), as the browser tests read it.
export {};

declare global {
  interface Window {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    __heatmap: any;
  }
}
