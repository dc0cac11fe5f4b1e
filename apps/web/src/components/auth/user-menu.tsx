import Link from "next/link";
import type { SessionUser } from "@tlab/core/access";
import { SignOutButton } from "./sign-out-button";

/** The top bar's account menu: who is signed in, their settings, sign-out. */
export function UserMenu({ user }: { user: SessionUser | null }) {
  if (!user) {
    return (
      <div className="user-menu">
        <Link href="/sign-in">Sign in</Link>
      </div>
    );
  }
  return (
    <details className="user-menu">
      <summary aria-label={`Account: ${user.email}`}>
        <span className="user-name">{user.name || user.email}</span>{" "}
        <span className={`role-badge role-${user.role}`}>{user.role}</span>
      </summary>
      <div className="user-menu-panel" role="menu">
        <p className="muted small">
          Signed in as <strong>{user.email}</strong>
        </p>
        <Link role="menuitem" href="/settings/account">
          Account
        </Link>
        <Link role="menuitem" href="/settings/tokens">
          API tokens
        </Link>
        {user.role === "admin" ? (
          <>
            <Link role="menuitem" href="/settings/users">
              Users
            </Link>
            <Link role="menuitem" href="/settings/webhooks">
              Webhooks
            </Link>
          </>
        ) : null}
        <SignOutButton />
      </div>
    </details>
  );
}
