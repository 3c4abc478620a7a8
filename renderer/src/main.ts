// Entry point: make sure `window.riskdesk` exists (the Electron preload puts it there; in browser mode the HTTP
// bridge is installed here, before anything else runs), then mount the console.
import { mount } from 'svelte';
import './app.css';
import { installHttpBridge } from './bridge/http.ts';
import App from './App.svelte';

if (!window.riskdesk) installHttpBridge();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
