import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
type Transaction = Awaited<ReturnType<SqlDriverAdapter["startTransaction"]>>;
type SqlQuery = Parameters<SqlDriverAdapter["executeRaw"]>[0];
type IsolationLevel = Parameters<SqlDriverAdapter["startTransaction"]>[0];

/**
 * How long a transaction waits for the one before it on the shared connection. SQLite writes one
 * transaction at a time; Prisma's own `maxWait` is only checked once the adapter has started the
 * transaction, so without this bound a caller could wait forever.
 */
export const SQLITE_TRANSACTION_MAX_WAIT_MS = 10_000;

const statement = (sql: string): SqlQuery => ({ sql, args: [], argTypes: [] });

/**
 * The better-sqlite3 driver adapter with interactive transactions that survive a failed COMMIT.
 *
 * Works around prisma/orm#29933 (fix proposed in prisma/orm#29955, not released for 6.19): the
 * adapter's transactions hold a mutex that only `commit()`/`rollback()` release, but Prisma sends
 * COMMIT as a query first and calls `commit()` only when that query succeeded. A COMMIT that fails
 * (SQLITE_FULL on a full disk, SQLITE_BUSY upstream) therefore keeps the mutex forever, and every
 * later interactive transaction of the process waits on it: the server hangs until restarted while
 * plain queries still answer. A failed BEGIN leaks the mutex the same way.
 *
 * Here transactions are started on the same connection under a gate of our own that is released
 * on every way a transaction ends: commit, rollback, a failed COMMIT or ROLLBACK (after a
 * best-effort ROLLBACK, so the connection is never left inside the failed transaction), a failed
 * BEGIN. Waiting for the gate is bounded by `maxWaitMs`. Queries are the upstream adapter's own.
 */
export class RecoveringSqliteAdapterFactory {
  readonly provider = "sqlite";
  readonly adapterName: string;
  readonly #inner: PrismaBetterSQLite3;
  readonly #maxWaitMs: number;

  constructor(config: { url: string }, opts: { maxWaitMs?: number } = {}) {
    this.#inner = new PrismaBetterSQLite3(config);
    this.adapterName = this.#inner.adapterName;
    this.#maxWaitMs = opts.maxWaitMs ?? SQLITE_TRANSACTION_MAX_WAIT_MS;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return recoveringAdapter(await this.#inner.connect(), this.#maxWaitMs);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    return recoveringAdapter(await this.#inner.connectToShadowDb(), this.#maxWaitMs);
  }
}

/** Exported for the fault-injection test, which wraps an adapter whose COMMIT it makes fail. */
export function recoveringAdapter(inner: SqlDriverAdapter, maxWaitMs: number): SqlDriverAdapter {
  const gate = new TransactionGate(maxWaitMs);
  const adapter: SqlDriverAdapter = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => inner.queryRaw(query),
    executeRaw: (query) => inner.executeRaw(query),
    executeScript: (script) => inner.executeScript(script),
    dispose: () => inner.dispose(),
    async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
      if (isolationLevel && isolationLevel !== "SERIALIZABLE")
        return inner.startTransaction(isolationLevel); // the upstream refusal
      const release = await gate.acquire();
      try {
        await inner.executeRaw(statement("BEGIN"));
      } catch (error) {
        release();
        throw error;
      }
      return recoveringTransaction(inner, release);
    },
  };
  if (inner.getConnectionInfo) adapter.getConnectionInfo = () => inner.getConnectionInfo!();
  return adapter;
}

function recoveringTransaction(connection: SqlDriverAdapter, release: () => void): Transaction {
  let open = true;
  const end = (): Promise<void> => {
    if (open) {
      open = false;
      release();
    }
    return Promise.resolve();
  };
  return {
    provider: connection.provider,
    adapterName: connection.adapterName,
    // Prisma sends BEGIN-less COMMIT/ROLLBACK as queries, then calls commit()/rollback().
    options: { usePhantomQuery: false },
    queryRaw: (query) => connection.queryRaw(query),
    async executeRaw(query) {
      try {
        return await connection.executeRaw(query);
      } catch (error) {
        if (open && isTransactionEnd(query.sql)) {
          // Prisma will not call commit()/rollback() after this: end the transaction here. SQLite
          // may already have rolled it back itself (SQLITE_FULL), so the ROLLBACK may fail too.
          await connection.executeRaw(statement("ROLLBACK")).catch(() => undefined);
          await end();
        }
        throw error;
      }
    },
    commit: end,
    rollback: end,
  };
}

function isTransactionEnd(sql: string): boolean {
  const word = sql.trim().toUpperCase();
  return word === "COMMIT" || word === "ROLLBACK";
}

/** A FIFO lock whose waiters give up after `maxWaitMs`. */
class TransactionGate {
  #held = false;
  readonly #waiters: Array<() => void> = [];

  constructor(private readonly maxWaitMs: number) {}

  acquire(): Promise<() => void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        resolve(this.#releaser());
      };
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(
          new Error(
            `SQLite: waited ${this.maxWaitMs / 1000} s for the transaction before this one to finish; the database is too busy or a transaction is stuck (see the server log)`,
          ),
        );
      }, this.maxWaitMs);
      this.#waiters.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#held = false;
    };
  }
}
