import { existsSync } from 'node:fs';

/** Loads `.env` (if present) into process.env without overriding what is already set. */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
