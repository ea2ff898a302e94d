import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEV_FOLDER } from '../db/embedded'

// Kept beside the dev database so it survives restarts.
const SECRET_KEY_FILE = join(DEV_FOLDER, 'secret-key')

/**
 * SECRET_KEY when set, else the one this checkout made on its first run (codes and
 * webhook secrets stored under it keep working): `dev` and the commands on its database share it.
 */
export async function devSecretKey(configured: string | undefined): Promise<string> {
  if (configured) return configured
  const file = Bun.file(SECRET_KEY_FILE)
  if (await file.exists()) return (await file.text()).trim()
  const key = randomBytes(32).toString('base64url')
  await mkdir(DEV_FOLDER, { recursive: true })
  // Readable by this user only: it keys the HMAC of every stored code.
  await writeFile(SECRET_KEY_FILE, key, { mode: 0o600 })
  return key
}
