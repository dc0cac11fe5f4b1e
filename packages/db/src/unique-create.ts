/**
 * Runs a create that a unique key may refuse because another caller (request, process, replica)
 * created the row first: the created row, or null when the key was taken. Other errors go on.
 */
export async function createUnlessTaken<T>(create: () => Promise<T>): Promise<T | null> {
  try {
    return await create();
  } catch (error) {
    // P2002: Prisma's unique constraint violation, on SQLite and PostgreSQL alike.
    if ((error as { code?: string }).code === "P2002") return null;
    throw error;
  }
}
