import { useEffect, useState } from "react";
import { decodeToken, type Session } from "./session";
import { Field } from "./submission";

/**
 * Only on the embedded database with no authentication configured does the server hand the
 * console the admin token it printed (src/console.ts); anywhere else this is a 404.
 */
const DEVELOPMENT_TOKEN_URL = `${import.meta.env.BASE_URL}development-token`;

/** Sign-in by pasting a token; `notice` says why the last session ended, if it did not end by choice. */
export function SignIn({ notice, onSignIn }: { notice?: string; onSignIn: (session: Session) => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string>();
  const [developmentToken, setDevelopmentToken] = useState<string>();
  useEffect(() => {
    fetch(DEVELOPMENT_TOKEN_URL)
      .then((response) => (response.ok ? (response.json() as Promise<{ token: string }>) : undefined))
      .then((body) => setDevelopmentToken(body?.token))
      .catch(() => undefined); // no offer, then: a token is pasted as anywhere else
  }, []);
  const signIn = (text: string) => {
    const session = decodeToken(text.trim());
    if (typeof session === "string") setProblem(session);
    else onSignIn(session);
  };

  return (
    <main className="sign-in">
      <h1>Solvent console</h1>
      <form
        aria-label="Sign in"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          signIn(token);
        }}
      >
        <Field label="Token" type="password" autoComplete="off" value={token} error={problem} onChange={(e) => setToken(e.target.value)} />
        <button type="submit">Sign in</button>
        <div role="alert">{notice && !problem ? <p>{notice}</p> : null}</div>
      </form>
      {developmentToken ? (
        <p>
          This server runs on its embedded database with development authentication:{" "}
          <button type="button" onClick={() => signIn(developmentToken)}>
            Sign in with the development admin token
          </button>
        </p>
      ) : (
        <p>Ask your administrator for a token; on a development server, `npm run token -- --role customer --sub alice` makes one.</p>
      )}
    </main>
  );
}
