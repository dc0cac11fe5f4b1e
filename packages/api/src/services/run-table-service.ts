import type { RunTableQuery } from "@tlab/core/table-queries";
import type { RunQueryRepository } from "@tlab/db/repositories/run-query-repository";

/** The runs table across experiments: filters, search, sort and keyset pages. */
export class RunTableService {
  constructor(private readonly runQueries: RunQueryRepository) {}

  page(input: RunTableQuery) {
    return this.runQueries.page(input);
  }
}
