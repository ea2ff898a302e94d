import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { ROOT } from './process'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** Where screenshots go; git ignores it. */
export const SCREENSHOTS = join(ROOT, 'test-output', 'browser')

/**
 * Debian's Chromium, headless, with nothing running in the background: this
 * machine's closed network refuses background connections, and tests must not
 * depend on them anyway. Playwright gives each launch a new, empty profile.
 */
export async function launchChromium(): Promise<Browser> {
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
