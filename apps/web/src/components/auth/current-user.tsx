"use client";

import { createContext, useContext, type ReactNode } from "react";
import { roleAtLeast, type Role, type SessionUser } from "@tlab/core/access";

const CurrentUserContext = createContext<SessionUser | null>(null);

/** Makes the signed-in user (from the server's session check) available to client components. */
export function CurrentUserProvider({
  user,
  children,
}: {
  user: SessionUser | null;
  children: ReactNode;
}) {
  return <CurrentUserContext.Provider value={user}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): SessionUser | null {
  return useContext(CurrentUserContext);
}

/**
 * Whether the signed-in user has at least `role`, to hide controls they may not use. The server
 * checks again on every call; this only spares people buttons that would be refused.
 */
export function useCan(role: Role): boolean {
  const user = useCurrentUser();
  return user !== null && roleAtLeast(user.role, role);
}
