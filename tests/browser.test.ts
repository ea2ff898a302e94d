import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Browser, BrowserContext } from 'playwright-core'
import { startTestApp, type TestApp } from './support/app'
import { hasChromium, launchChromium, SCREENSHOTS } from './support/browser'
import { manualClock } from './support/clock'
import { CONTRACT_OPERATIONS } from './support/contract'
import { call } from './support/http'
import { PASSWORD, registerUser, uniqueEmail } from './support/users'

// A real browser starts and renders pages: a bound against hangs, for this file only.
setDefaultTimeout(30_000)
if (!hasChromium)
  console.log(
    'skipped browser tests: needs /usr/bin/chromium (.ci/run installs it) and playwright-core (a dev dependency)',
  )

const time = manualClock()
let app: TestApp
let key: string
let browser: Browser

/** Every request that left 127.0.0.1, which a working offline page never makes. */
const offSite: string[] = []

async function offlineContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url())
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue()
    offSite.push(route.request().url())
    return route.abort('internetdisconnected')
  })
  return context
}

describe.skipIf(!hasChromium)('in headless Chromium', () => {
  beforeAll(async () => {
    app = await startTestApp({ clock: time.clock, selfLinks: true })
    key = (await app.createServer('browser')).api_key
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  test('/docs lists every route, and a user registers through "Authorize" and "Try it out", offline', async () => {
    const context = await offlineContext()
    const page = await context.newPage()
    await page.goto(`${app.url}/docs`)
    await page.waitForSelector('.opblock')
    const operations = await page.$$eval('.opblock', (blocks) =>
      blocks.map(
        (b) =>
          `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.textContent}`,
      ),
    )
    expect(operations.sort()).toEqual([...CONTRACT_OPERATIONS].sort())

    await page.click('.auth-wrapper .authorize')
    const apiKeyForm = page.locator('.auth-container', { hasText: 'X-API-Key' })
    await apiKeyForm.locator('input').fill(key)
    await apiKeyForm.locator('button.authorize').click()
    await page.click('button.btn-done')

    const email = uniqueEmail('swagger')
    const register = page.locator('#operations-Users-postUsers')
    await register.locator('.opblock-summary').click()
    await register.locator('.try-out__btn').click()
    const body = register.locator('textarea.body-param__text')
    await body.waitFor({ state: 'visible' })
    await body.fill(JSON.stringify({ email, password: PASSWORD, first_name: 'Swagger' }))
    await expect(body.inputValue()).resolves.toContain(email)
    await register.locator('button.execute').click()
    const status = register.locator('.live-responses-table .response .response-col_status').first()
    await status.waitFor({ timeout: 15_000 })
    await expect(status.textContent()).resolves.toContain('201')
    await page.screenshot({ path: `${SCREENSHOTS}/docs-try-it-out.png`, fullPage: true })

    const created = await call(app.url, 'GET', `/users/${encodeURIComponent(email)}`, { key })
    expect(created.body).toMatchObject({ email, first_name: 'Swagger', is_activated: false })
    expect(offSite).toEqual([])
    await context.close()
  })

  test('the emailed link with the user’s credentials shows the activated page', async () => {
    const user = await registerUser(app, key)
    const { link } = user.mail()
    expect(link).toStartWith(`${app.url}/validation/`)
    const context = await offlineContext({ httpCredentials: { username: user.email, password: user.password } })
    const page = await context.newPage()
    const response = await page.goto(link)
    expect(response?.status()).toBe(200)
    await expect(page.locator('h1').textContent()).resolves.toBe('Account activated')
    await page.screenshot({ path: `${SCREENSHOTS}/link-activated.png` })
    const again = await page.goto(link)
    expect(again?.status()).toBe(200)
    await expect(page.locator('h1').textContent()).resolves.toBe('Already activated')
    expect((await call(app.url, 'GET', `/users/${encodeURIComponent(user.email)}`, { key })).body.is_activated).toBe(
      true,
    )
    await context.close()
  })

  test('without credentials the link makes the browser ask for them (401 with the Basic prompt)', async () => {
    const user = await registerUser(app, key)
    const context = await browser.newContext()
    const page = await context.newPage()
    // Headless Chromium has no dialog: the DevTools protocol shows the prompt it would open.
    const cdp = await context.newCDPSession(page)
    const prompts: { scheme: string; realm: string }[] = []
    await cdp.send('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] })
    cdp.on('Fetch.requestPaused', (event) => void cdp.send('Fetch.continueRequest', { requestId: event.requestId }))
    cdp.on('Fetch.authRequired', (event) => {
      prompts.push({ scheme: event.authChallenge.scheme, realm: event.authChallenge.realm })
      // The person dismisses the prompt: the browser then shows the 401 page.
      void cdp.send('Fetch.continueWithAuth', {
        requestId: event.requestId,
        authChallengeResponse: { response: 'CancelAuth' },
      })
    })
    const response = await page.goto(user.mail().link)
    expect(prompts).toEqual([{ scheme: 'basic', realm: 'registration-api' }])
    expect(response?.status()).toBe(401)
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to activate')
    await page.screenshot({ path: `${SCREENSHOTS}/link-sign-in.png` })
    await context.close()
  })

  test('an expired link shows the expired page', async () => {
    const user = await registerUser(app, key)
    time.advance(61)
    const context = await offlineContext({ httpCredentials: { username: user.email, password: user.password } })
    const page = await context.newPage()
    const response = await page.goto(user.mail().link)
    expect(response?.status()).toBe(410)
    await expect(page.locator('h1').textContent()).resolves.toBe('Link expired')
    await page.screenshot({ path: `${SCREENSHOTS}/link-expired.png` })
    await context.close()
  })

  test('the activation email renders with its code and button, loading nothing from outside', async () => {
    const user = await registerUser(app, key, { first_name: 'Ann <3', last_name: 'Lee' })
    const { request, code, link } = user.mail()
    const context = await offlineContext()
    const page = await context.newPage()
    await page.setContent(request.body.Messages[0]?.HTMLPart ?? '')
    await expect(page.locator('strong').first().textContent()).resolves.toBe(code)
    await expect(page.getByRole('link', { name: 'Activate my account' }).getAttribute('href')).resolves.toBe(link)
    await expect(page.locator('p').first().textContent()).resolves.toBe('Hello Ann <3,')
    await page.screenshot({ path: `${SCREENSHOTS}/activation-email.png` })
    expect(offSite).toEqual([])
    await context.close()
  })
})
