import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { installed } from './installed'
import { ROOT } from './process'

export const CHROMIUM = '/usr/bin/chromium'

/** Debian's Chromium and playwright-core (a development dependency) are both needed. */
export const hasChromium = existsSync(CHROMIUM) && installed('playwright-core')

/** Where screenshots go; git ignores it. */
export const SCREENSHOTS = join(ROOT, 'test-output', 'browser')

/**
 * Debian's Chromium, headless, with nothing running in the background: this
 * machine's closed network refuses background connections, and tests must not
 * depend on them anyway. Playwright gives each launch a new, empty profile.
 */
export async function launchChromium(): Promise<Browser> {
  // A development dependency: the production image, where the suite also runs, has neither it nor Chromium.
  const { chromium } = await import('playwright-core')
  await mkdir(SCREENSHOTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
