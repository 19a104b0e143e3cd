// The dashboard's entry point (bundled into dist/dashboard/app.js by scripts/bundle-dashboard.ts).
import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
