// Playwright: the whole console end to end. Two projects:
//  - chromium: browser mode (`riskdesk serve`, started per worker by e2e/fixtures.ts) in the system Chromium;
//  - electron: the desktop shell through _electron.launch, only where an Electron binary exists; elsewhere its tests
//    are skipped with the reason printed (and e2e/global-setup.ts says so up front), never silently passed.
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.RISKDESK_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  outputDir: process.env.RISKDESK_PW_OUTPUT_DIR ?? './test-results',
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  reporter: [['list']],
  use: {
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        screenshot: 'on',
        launchOptions: {
          executablePath: CHROMIUM,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
    {
      name: 'electron',
      testMatch: /electron\.spec\.ts$/,
    },
  ],
});
