/**
 * Entry point of the page bundle (built by scripts/build-web.mjs into dist/web/app.js): starts
 * the map once the document is parsed and publishes the debugging hook `window.__heatmap`.
 */
import { ApiClient } from './api-client.js';
import { exposeDebugHook } from './debug-hook.js';
import { HeatmapApp } from './heatmap-app.js';

function boot(): void {
  // API paths resolve against the page's own URL, so a sub-path mount works (api-client.ts).
  const api = new ApiClient(document.baseURI);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const app = new HeatmapApp(api, timeZone);
  exposeDebugHook(app.hook);
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
