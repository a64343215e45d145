// The pieces every page uses: loading an answer, the three states of a page, a labelled field with its error.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";
import { label, t } from "./i18n";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "ready"; data: T }
  | { state: "failed"; error: unknown };

/** `load()`'s answer, loaded again when `deps` change, or refreshed by `reload()` (which keeps showing the answer
in hand until the new one is in, so that a form below keeps what it holds). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    load().then(
      (data) => live && setLoaded({ state: "ready", data }),
      (error) => live && setLoaded({ state: "failed", error }),
    );
    return () => {
      live = false;
    };
  }, deps);
  useEffect(() => {
    if (round === 0) return;
    let live = true;
    load().then(
      (data) => live && setLoaded({ state: "ready", data }),
      (error) => live && setLoaded({ state: "failed", error }),
    );
    return () => {
      live = false;
    };
  }, [round]);
  return [loaded, useCallback(() => setRound((r) => r + 1), [])];
}

/** A page's body once its answer is in: "not found" for another's data, the error with a retry otherwise. */
export function Page<T>(props: {
  title: string;
  loaded: Loaded<T>;
  retry?: () => void;
  level?: 1 | 2; // 2: a part of a page that has its own heading
  children: (data: T) => ComponentChildren;
}) {
  const { title, loaded } = props;
  if (loaded.state === "failed" && loaded.error instanceof ApiError && loaded.error.notFound) return <NotFound />;
  const Heading = props.level === 2 ? "h2" : "h1";
  return (
    <section aria-labelledby="page-title">
      <Heading id="page-title">{title}</Heading>
      {loaded.state === "loading" && <p role="status">{t("loading")}</p>}
      {loaded.state === "failed" && <Problem error={loaded.error} retry={props.retry} />}
      {loaded.state === "ready" && props.children(loaded.data)}
    </section>
  );
}

export function NotFound() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("notFound")}</h1>
      <p>{t("notFoundText")}</p>
    </section>
  );
}

export function Problem({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  return (
    <div role="alert" class="problem">
      <p>
        {t("failed")}: {message}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

/** A form's action on the API: its last refusal (cleared when it runs again), and a handler that runs it, then
 * `done` (the page reads the API again). */
export function useAction(done: () => void): [unknown, (call: () => Promise<unknown>) => (event: Event) => Promise<void>] {
  const [error, setError] = useState<unknown>(null);
  const act = (call: () => Promise<unknown>) => async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await call();
      done();
    } catch (failure) {
      setError(failure);
    }
  };
  return [error, act];
}

let fieldIds = 0;

/** A labelled control with its hint and its error (the API's, named by its field), both read out with it. */
export function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  children: (attributes: Record<string, string | boolean | undefined>) => ComponentChildren;
}) {
  const [id] = useState(() => `field-${++fieldIds}`);
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.children({ id, "aria-invalid": props.error ? "true" : undefined, "aria-describedby": described || undefined })}
      {props.error && (
        <small id={`${id}-error`} class="error">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** A select's options for some of the API's codes, each named in the person's language. */
export function Options({ values, all }: { values: readonly string[]; all?: boolean }) {
  return (
    <>
      {all && <option value="">{t("all")}</option>}
      {values.map((value) => (
        <option value={value}>{label(value)}</option>
      ))}
    </>
  );
}

/** A wide table's frame: scrolled sideways on a phone, by keyboard too (so it can take the focus). */
export function Scroll({ name, children }: { name: string; children: ComponentChildren }) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label={name}>
      {children}
    </div>
  );
}
