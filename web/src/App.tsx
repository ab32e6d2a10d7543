import { useCallback, useEffect, useMemo, useState } from "react";
import { ApolloProvider } from "@apollo/client/react";
import { createSolventClient } from "@solvent/client";
import { AccountPage } from "./AccountPage";
import { Accounts } from "./Accounts";
import { useRoute } from "./route";
import { storedSession, storeToken, type Session } from "./session";
import { SignIn } from "./SignIn";

const GRAPHQL_URL = new URL("/graphql", window.location.href).href;
const EXPIRED = "Your session has ended (the token expired, or the server no longer accepts it): sign in again.";
/** setTimeout's longest delay (about 24.8 days); a token that outlives it is left to the server's 401. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function App() {
  const [session, setSession] = useState(storedSession);
  const [notice, setNotice] = useState<string>();
  const signOut = useCallback((why?: string) => {
    storeToken(undefined);
    setSession(undefined);
    setNotice(why);
  }, []);
  const signIn = (next: Session) => {
    storeToken(next.token);
    setSession(next);
    setNotice(undefined);
  };
  // One client (and cache) per token, so nothing cached for one caller is shown to the next; the old one goes with its page.
  const client = useMemo(
    () => session && createSolventClient({ url: GRAPHQL_URL, token: session.token, onUnauthenticated: () => signOut(EXPIRED) }),
    [session, signOut],
  );
  // Back to sign-in when the token expires, before a request is refused for it.
  useEffect(() => {
    const left = session ? session.expiresAt - Date.now() : Infinity;
    if (left > LONGEST_TIMER_MS) return;
    const timer = setTimeout(() => signOut(EXPIRED), left);
    return () => clearTimeout(timer);
  }, [session, signOut]);

  if (!session || !client) return <SignIn notice={notice} onSignIn={signIn} />;
  return (
    <ApolloProvider client={client}>
      <header>
        <a href="#/">Solvent console</a>
        <span>
          Signed in as {session.subject} ({session.role})
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Page session={session} />
      </main>
    </ApolloProvider>
  );
}

function Page({ session }: { session: Session }) {
  const route = useRoute();
  return route.page === "account" ? <AccountPage key={route.id} id={route.id} session={session} /> : <Accounts session={session} />;
}
