import { getAppContext } from "./app-context";

/**
 * Creates the app context at server start. Fails fast: a server that cannot read its
 * configuration or reach its database would only answer 500s, so it stops with the reason.
 */
export async function bootOrExit(): Promise<void> {
  try {
    const { env, provider } = await getAppContext();
    console.info(`[tlab] web server ready: ${provider} database, data in ${env.DATA_DIR}`);
  } catch (error) {
    console.error(`[tlab] cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
