/** Whether a package is installed: development dependencies are missing in the production image. */
export function installed(name: string): boolean {
  try {
    Bun.resolveSync(name, import.meta.dir)
    return true
  } catch {
    return false
  }
}
