import { getAppContext } from "./app-context";
import { getEnv } from "./env";
import { makeDataDirPrivate, PRIVATE_UMASK } from "./private-data-dir";

/**
 * Creates the app context at server start. Fails fast: a server that cannot read its
 * configuration or reach its database would only answer 500s, so it stops with the reason.
 */
export async function bootOrExit(): Promise<void> {
  // Before anything is written: the secrets env.ts may generate are private too.
  process.umask(PRIVATE_UMASK);
  try {
    const env = getEnv();
    makeDataDirPrivate(env.DATA_DIR, env.DATABASE_URL);
    const { provider } = await getAppContext();
    console.info(`[tlab] web server ready: ${provider} database, data in ${env.DATA_DIR}`);
  } catch (error) {
    console.error(`[tlab] cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
