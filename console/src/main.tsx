// The console: a client of the public API, addressed by the URL's fragment, for merchants (and their ERP) and
// for the platform's operators. Each role is offered only the pages its API routes let it read.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { lang, onLangChange, setLang, t } from "./i18n";
import { DryRunPage } from "./pages/DryRun";
import { BuyerPage, EscalatedPage, OpsHome } from "./pages/Ops";
import { RefundPage } from "./pages/Refund";
import { SettingsPage } from "./pages/Settings";
import { SignIn } from "./pages/SignIn";
import { StatementPage } from "./pages/Statement";
import { Workbench } from "./pages/Workbench";
import { href, useLocation, type Location } from "./router";
import { finishProviderSignIn, onSessionChange, session, signOut, type Config, type Session } from "./session";
import { NotFound } from "./ui";

function useChanges(subscribe: (listener: () => void) => () => void) {
  const [, setRound] = useState(0);
  useEffect(() => subscribe(() => setRound((r) => r + 1)), []);
}

function App({ config, refusal }: { config: Config; refusal: unknown }) {
  useChanges(onLangChange);
  useChanges(onSessionChange);
  const here = useLocation();
  const who = session();
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        {t("skipToContent")}
      </a>
      <header>
        <strong class="brand">{t("appName")}</strong>
        {who && <Menu who={who} here={here} />}
        <span class="spacer" />
        <button type="button" lang={lang() === "en" ? "zh-CN" : "en"} title={t("languageName")} onClick={() => setLang(lang() === "en" ? "zh" : "en")}>
          {t("language")}
        </button>
        {who && (
          <>
            <span class="who">
              {t("signedInAs")} {who.sub} ({who.role}
              {who.merchantId ? ` · ${who.merchantId}` : ""})
            </span>
            <button type="button" onClick={signOut}>
              {t("signOut")}
            </button>
          </>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {who ? <Routes who={who} here={here} /> : <SignIn config={config} refusal={refusal} />}
      </main>
    </>
  );
}

/** The merchant the pages are about: a merchant's own, or the one ops opened. */
const merchantOf = (who: Session, here: Location) => (here.parts[0] === "merchants" ? here.parts[1] : who.merchantId);

function Menu({ who, here }: { who: Session; here: Location }) {
  const merchant = merchantOf(who, here);
  const links: [string, string][] = [];
  if (who.role === "ops") links.push([href(["ops"]), t("opsHome")], [href(["escalated"]), t("escalated")]);
  if (merchant && who.role !== "erp") links.push([href(["merchants", merchant, "refunds"]), t("workbench")]);
  if (merchant && who.role !== "erp") links.push([href(["merchants", merchant, "settings"]), t("settings")]);
  if (merchant) links.push([href(["merchants", merchant, "statement"]), t("statement")]);
  links.push([href(["dry-run"]), t("dryRun")]);
  const current = location.hash.split("?")[0];
  return (
    <nav aria-label={t("nav")}>
      <ul>
        {links.map(([to, name]) => (
          <li>
            <a href={to} aria-current={to === current ? "page" : undefined}>
              {name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function home(who: Session): string {
  if (who.role === "ops") return href(["ops"]);
  if (who.role === "erp") return href(["merchants", who.merchantId ?? "", "statement"]);
  return href(["merchants", who.merchantId ?? "", "refunds"]);
}

function Routes({ who, here }: { who: Session; here: Location }) {
  const [first, id, page, sub] = here.parts;
  useEffect(() => {
    if (!first) location.replace(home(who));
  }, [first]);
  if (first === "merchants" && id && page === "refunds") return <Workbench merchantId={id} here={here} />;
  if (first === "merchants" && id && page === "settings") return <SettingsPage merchantId={id} />;
  if (first === "merchants" && id && page === "statement") return <StatementPage merchantId={id} here={here} />;
  if (first === "orders" && id && page === "refunds" && sub) return <RefundPage orderId={id} refundId={sub} role={who.role} />;
  if (first === "dry-run") return <DryRunPage here={here} />;
  if (first === "ops" && who.role === "ops") return <OpsHome />;
  if (first === "escalated" && who.role === "ops") return <EscalatedPage here={here} />;
  if (first === "buyers" && id && who.role === "ops") return <BuyerPage buyerId={id} here={here} />;
  return first ? <NotFound /> : null;
}

async function start() {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  const config = (await (await fetch("/console/config.json")).json()) as Config;
  let refusal: unknown = null;
  if (config.signIn === "oidc") {
    try {
      await finishProviderSignIn(config);
    } catch (failure) {
      refusal = failure;
    }
  }
  render(<App config={config} refusal={refusal} />, document.getElementById("app")!);
}

start();
