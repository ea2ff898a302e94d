import { describe, expect, test } from 'bun:test'
import { isPublicAddress, pinnedUrl } from '../src/webhooks/webhooks.address'
import {
  decryptWebhookSecret,
  encryptWebhookSecret,
  newWebhookSecret,
  parseWebhookUrl,
} from '../src/webhooks/webhooks.secret'

const OLD = 'an-old-secret-key-of-at-least-32-characters'
const NEW = 'a-new-secret-key-of-at-least-32-characters!'

describe('webhook secrets at rest', () => {
  test('sealed with AES-256-GCM: not in clear, opened by SECRET_KEY, or SECRET_KEY_PREVIOUS during a rotation', () => {
    const secret = newWebhookSecret()
    expect(Buffer.from(secret.slice(6), 'base64').length).toBe(32)
    const sealed = encryptWebhookSecret({ current: OLD, previous: undefined }, secret)
    expect(sealed.toString('latin1')).not.toContain(secret.slice(6, 20))
    expect(decryptWebhookSecret({ current: OLD, previous: undefined }, sealed)).toBe(secret)
    expect(decryptWebhookSecret({ current: NEW, previous: OLD }, sealed)).toBe(secret)
    expect(decryptWebhookSecret({ current: NEW, previous: undefined }, sealed)).toBeUndefined()
    // A changed byte breaks the tag.
    const tampered = Buffer.from(sealed)
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1
    expect(decryptWebhookSecret({ current: OLD, previous: undefined }, tampered)).toBeUndefined()
    // Two seals of one secret differ (a fresh IV each time).
    expect(encryptWebhookSecret({ current: OLD, previous: undefined }, secret).equals(sealed)).toBe(false)
  })

  test('webhook URLs are http(s), without credentials', () => {
    expect(parseWebhookUrl('https://app.example.com/hooks')).toBe('https://app.example.com/hooks')
    expect(parseWebhookUrl('http://app.example.com:8080/h?x=1')).toBe('http://app.example.com:8080/h?x=1')
    for (const bad of [
      'ftp://app.example.com/',
      'javascript:alert(1)',
      'app.example.com',
      'https://u:p@app.example.com/',
      '',
    ])
      expect(parseWebhookUrl(bad)).toBeUndefined()
  })
})

describe('the address check', () => {
  test('public unicast passes; loopback, private, link-local, unique-local, CGNAT and embedded IPv4 forms do not', () => {
    for (const ok of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isPublicAddress(ok)).toBe(true)
    for (const refused of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a00:1',
      '2002:a00:1::',
      'ff02::1',
      'not an address',
    ])
      expect(isPublicAddress(refused)).toBe(false)
  })
})

describe('pinning', () => {
  test('a plain-http call goes to the checked address, the name kept for the Host header', () => {
    expect(pinnedUrl(new URL('http://hooks.example.com:8080/in?a=1'), '93.184.216.34').href).toBe(
      'http://93.184.216.34:8080/in?a=1',
    )
    expect(pinnedUrl(new URL('http://hooks.example.com/in'), '2606:4700::1').href).toBe('http://[2606:4700::1]/in')
  })
})
