/**
 * Runs once when the Next.js server starts (never during `next build`): records each request's
 * TCP peer (server/peer-address.ts), opens the database,
 * registers the catalog and starts the lease sweeper before the first request, so expired leases
 * are reclaimed even when nobody has the dashboard open.
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is set by Next itself, not configuration; the branch keeps Node-only code out of
  // any edge bundle.
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { recordPeerAddresses } = await import("./server/peer-address");
    recordPeerAddresses();
    const { bootOrExit } = await import("./server/boot");
    await bootOrExit();
  }
}
