// Signing in: locally by choosing who you are; deployed, through the identity provider. Buyers are refused.
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { BuyerRefused, signInLocally, signInWithProvider, type Config } from "../session";
import { Field } from "../ui";

export function SignIn({ config, refusal }: { config: Config; refusal: unknown }) {
  const [role, setRole] = useState("merchant");
  const [sub, setSub] = useState("");
  const [merchantId, setMerchantId] = useState("");
  const [error, setError] = useState<unknown>(refusal);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      if (config.signIn === "local") await signInLocally(role, sub, merchantId);
      else if (config.signIn === "oidc") await signInWithProvider(config);
    } catch (failure) {
      setError(failure);
    }
  };
  const refused = error instanceof BuyerRefused;
  return (
    <section aria-labelledby="sign-in" class="sign-in">
      <h1 id="sign-in">{t("signIn")}</h1>
      {error !== null && error !== undefined && (
        <p role="alert" class="problem">
          {refused ? t("buyersHaveNoConsole") : `${t("signInFailed")}: ${String(error)}`}
        </p>
      )}
      <form onSubmit={submit}>
        {config.signIn === "local" ? (
          <>
            <p class="hint">{t("localSignInNote")}</p>
            <Field label={t("role")}>
              {(a) => (
                <select {...a} value={role} onChange={(e) => setRole(e.currentTarget.value)}>
                  <option value="merchant">{t("roleMerchant")}</option>
                  <option value="erp">{t("roleErp")}</option>
                  <option value="ops">{t("roleOps")}</option>
                  <option value="buyer">{t("roleBuyer")}</option>
                </select>
              )}
            </Field>
            <Field label={t("userId")}>
              {(a) => <input {...a} required autocomplete="username" value={sub} onInput={(e) => setSub(e.currentTarget.value)} />}
            </Field>
            {(role === "merchant" || role === "erp") && (
              <Field label={t("merchantId")}>
                {(a) => <input {...a} required value={merchantId} onInput={(e) => setMerchantId(e.currentTarget.value)} />}
              </Field>
            )}
            <button type="submit" class="primary">
              {t("signIn")}
            </button>
          </>
        ) : config.signIn === "oidc" ? (
          <button type="submit" class="primary">
            {t("providerSignIn")}
          </button>
        ) : (
          <p>{t("noSignIn")}</p>
        )}
      </form>
    </section>
  );
}
