//! One component per flow state. Views only render; every action is a callback prop.

use yew::prelude::*;

use tolem_core::api::SignInCredentials;
use tolem_core::api::{MethodKind, PaymentMethod};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::flow::{FieldProblem, MethodForm, Mode, State};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use crate::i18n::{budget, elapsed, provider_name, t, tf, Locale, Msg};

/// What the component passes to every view.
pub struct ViewContext {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// Whose page the shopper is sent to (named in the texts).
    pub provider: Provider,
    /// The formatted amount.
    pub amount: String,
    /// Now, for "checking for 45 seconds" (the component's display clock).
    pub now_ms: u64,
    /// How long polling goes on before "still being confirmed".
    pub budget_ms: u64,
    /// `light` or `dark` forces a theme; `None` follows `prefers-color-scheme`.
    pub theme: Option<&'static str>,
    /// Radio group name, unique per widget.
    pub group: String,
    /// A method was picked.
    pub onselect: Callback<String>,
    /// "Remove" was pressed on a saved method.
    pub onremove: Callback<String>,
    /// Pay was pressed.
    pub onpay: Callback<()>,
    /// A field was typed into: (key, value, matches its pattern).
    pub oninput: Callback<(String, String, bool)>,
    /// The sign-in form was submitted.
    pub onsignin: Callback<SignInCredentials>,
    /// "Check again".
    pub oncheck: Callback<()>,
    /// "Pay in this tab instead" (another tab holds the payment).
    pub onpayhere: Callback<()>,
    /// "Try again" / "Choose another way".
    pub onretry: Callback<()>,
}

/// The view for a state. The element marked `tolem-focus` is where the component puts
/// focus after the shopper acted (and only then).
pub fn render(state: &State, cx: &ViewContext) -> Html {
    let locale = cx.locale;
    let body = match state {
        State::Unmounted | State::AwaitingStart { .. } | State::AwaitingMethods { .. } => {
            html! { <Progress text={t(locale, Msg::LoadingMethods)} /> }
        }
        State::SigningIn { refused, .. } => html! {
            <SignInView {locale} refused={*refused} group={cx.group.clone()} onsignin={cx.onsignin.clone()} />
        },
        State::ChoosingMethod { attempt, methods, selected, form } => {
            // Saved cards are removed through the merchant's backend (ioka asks its API key).
            let onremove = matches!(attempt.mode, Mode::Backend).then(|| cx.onremove.clone());
            html! {
                <MethodsView {locale} methods={methods.clone()} selected={selected.clone()} busy={false} form={form.clone()}
                    amount={cx.amount.clone()} group={cx.group.clone()} onselect={cx.onselect.clone()} onpay={cx.onpay.clone()}
                    oninput={cx.oninput.clone()} {onremove} />
            }
        }
        State::AwaitingRedirect { methods, method_id, form, .. } => html! {
            <MethodsView {locale} methods={methods.clone()} selected={Some(method_id.clone())} busy={true} form={form.clone()}
                amount={cx.amount.clone()} group={cx.group.clone()} onselect={cx.onselect.clone()} onpay={cx.onpay.clone()}
                oninput={cx.oninput.clone()} onremove={None::<Callback<String>>} />
        },
        // Placed: the order is placed, paid on delivery.
        State::Placed { .. } => html! {
            <div class="tolem-result tolem-success" role="status" data-status="placed">
                <h2 class="tolem-title tolem-focus" tabindex="-1">{ t(locale, Msg::OrderPlaced) }</h2>
                <p>{ t(locale, Msg::OrderPlacedHint) }</p>
            </div>
        },
        State::Redirecting { url, blocked, .. } => html! {
            <RedirectView {locale} provider={cx.provider} url={url.clone()} blocked={*blocked} />
        },
        State::WatchingOtherTab { .. } => {
            let onclick = cx.onpayhere.reform(|_: MouseEvent| ());
            html! {
                <div class="tolem-confirming tolem-elsewhere">
                    <Progress text={t(locale, Msg::OtherTab)} hint={t(locale, Msg::OtherTabHint).to_owned()} />
                    <button type="button" class="tolem-button" {onclick}>{ t(locale, Msg::PayHere) }</button>
                </div>
            }
        }
        State::AwaitingStatus { poll, .. } => {
            let hint = if poll.offline {
                t(locale, Msg::Offline).to_owned()
            } else if poll.trouble {
                t(locale, Msg::ConnectionTrouble).to_owned()
            } else {
                tf(locale, Msg::ConfirmingNext, &[("budget", &budget(locale, cx.budget_ms))])
            };
            let waited = elapsed(locale, cx.now_ms.saturating_sub(poll.started_ms));
            html! {
                <div class="tolem-confirming">
                    <Progress text={t(locale, Msg::Confirming)} {hint} />
                    <p class="tolem-elapsed" role="timer">{ tf(locale, Msg::ConfirmingElapsed, &[("elapsed", &waited)]) }</p>
                    if let Some(url) = &poll.payment_page {
                        <a class="tolem-button" href={url.clone()} target="_blank" rel="noopener">{ t(locale, Msg::OpenPaymentPage) }</a>
                    }
                </div>
            }
        }
        State::StillPending { .. } => html! { <StillPendingView {locale} oncheck={cx.oncheck.clone()} /> },
        State::Final { status, .. } => html! {
            <ResultView {locale} status={*status} amount={cx.amount.clone()} onretry={cx.onretry.clone()} />
        },
        State::Failed { error, .. } => {
            html! { <ErrorView {locale} error={error.clone()} onretry={cx.onretry.clone()} /> }
        }
    };
    html! { <div class="tolem-checkout" lang={locale.tag()} data-theme={cx.theme}>{ body }</div> }
}

/// Props of [`MethodsView`].
#[derive(Properties, PartialEq)]
pub struct MethodsViewProps {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// The methods to choose from, in the provider's order.
    pub methods: Vec<PaymentMethod>,
    /// The chosen one.
    pub selected: Option<String>,
    /// Pay was pressed and the redirect is being prepared: everything is locked.
    pub busy: bool,
    /// The formatted amount.
    pub amount: String,
    /// Radio group name.
    pub group: String,
    /// A method was picked.
    pub onselect: Callback<String>,
    /// Pay was pressed.
    pub onpay: Callback<()>,
    /// What was typed into the chosen method's fields.
    pub form: MethodForm,
    /// A field was typed into.
    pub oninput: Callback<(String, String, bool)>,
    /// Saved methods can be removed: "Remove" was pressed on one.
    pub onremove: Option<Callback<String>>,
}

fn method_label(l: Locale, m: &PaymentMethod) -> String {
    match m.kind {
        MethodKind::Card => t(l, Msg::NewCard).to_owned(),
        MethodKind::SavedCard => tf(l, Msg::SavedCard, &[("card", &m.label)]),
        MethodKind::Wallet | MethodKind::Cash => m.label.clone(),
    }
}

/// The chosen method's inputs, each labelled, with its hint and (after Pay) its problem.
fn method_fields(props: &MethodsViewProps) -> Html {
    let l = props.locale;
    let Some(method) = props.methods.iter().find(|m| Some(m.id.as_str()) == props.selected.as_deref()) else {
        return Html::default();
    };
    let problems = if props.form.show_errors { props.form.problems(method) } else { Vec::new() };
    html! {
        <div class="tolem-fields">
        { for method.fields.iter().map(|f| {
            let id = format!("{}-field-{}", props.group, f.key);
            let hint_id = format!("{id}-hint");
            let error_id = format!("{id}-error");
            let problem = problems.iter().find(|(k, _)| *k == f.key).map(|(_, p)| *p);
            let mut described = String::new();
            if f.hint.is_some() {
                described.push_str(&hint_id);
            }
            if problem.is_some() {
                if !described.is_empty() {
                    described.push(' ');
                }
                described.push_str(&error_id);
            }
            let (key, pattern) = (f.key.clone(), f.pattern.clone());
            let oninput = props.oninput.reform(move |e: InputEvent| {
                let value = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                let matches = crate::browser::pattern_matches(pattern.as_deref(), value.trim());
                (key.clone(), value, matches)
            });
            let value = props.form.values.get(&f.key).unwrap_or_default().to_owned();
            let input_type = if f.key == "phone" { "tel" } else if f.key == "email" { "email" } else { "text" };
            html! {
                <div class="tolem-field">
                    <label class="tolem-field-label" for={id.clone()}>{ f.label.clone() }</label>
                    <input class="tolem-input" id={id} name={f.key.clone()} type={input_type} {value} {oninput}
                        required={f.required} disabled={props.busy} aria-invalid={problem.is_some().to_string()}
                        aria-describedby={(!described.is_empty()).then_some(described)} />
                    if let Some(hint) = &f.hint { <p class="tolem-hint" id={hint_id}>{ hint.clone() }</p> }
                    if let Some(p) = problem {
                        <p class="tolem-field-error" id={error_id} role="alert">
                            { t(l, if p == FieldProblem::Missing { Msg::FieldRequired } else { Msg::FieldInvalid }) }
                        </p>
                    }
                </div>
            }
        }) }
        </div>
    }
}

/// `ChoosingMethod` and `AwaitingRedirect`: a labelled radio group and the Pay button.
#[component]
pub fn MethodsView(props: &MethodsViewProps) -> Html {
    let l = props.locale;
    let legend_id = format!("{}-legend", props.group);
    let onsubmit = props.onpay.reform(|e: SubmitEvent| e.prevent_default());
    let selected = props.selected.as_deref();
    html! {
        <form class="tolem-methods" {onsubmit} aria-busy={props.busy.to_string()} novalidate=true>
            <fieldset class="tolem-fieldset" role="radiogroup" aria-labelledby={legend_id.clone()} disabled={props.busy}>
                <legend id={legend_id} class="tolem-legend">{ t(l, Msg::ChooseMethod) }</legend>
                { for props.methods.iter().enumerate().map(|(i, m)| {
                    let id = format!("{}-{i}", props.group);
                    let label_id = format!("{id}-label");
                    let method_id = m.id.clone();
                    let onchange = props.onselect.reform(move |_: Event| method_id.clone());
                    html! {
                        <div class="tolem-method">
                            <input type="radio" class={classes!("tolem-radio", (selected == Some(m.id.as_str()) || (selected.is_none() && i == 0)).then_some("tolem-focus"))} id={id.clone()} name={props.group.clone()} value={m.id.clone()}
                                checked={selected == Some(m.id.as_str())} {onchange} />
                            <label for={id} id={label_id.clone()}>
                                if let Some(logo) = &m.logo {
                                    <img class="tolem-logo" src={logo.clone()} alt="" width="32" height="20" />
                                }
                                { method_label(l, m) }
                            </label>
                            if let (MethodKind::SavedCard, Some(onremove)) = (m.kind, &props.onremove) {
                                <button type="button" class="tolem-remove" aria-describedby={label_id}
                                    onclick={let method_id = m.id.clone(); onremove.reform(move |_: MouseEvent| method_id.clone())}>
                                    { t(l, Msg::RemoveCard) }
                                </button>
                            }
                        </div>
                    }
                }) }
            </fieldset>
            { method_fields(props) }
            <p class="tolem-total">{ t(l, Msg::Total) }{ ": " }<strong>{ props.amount.clone() }</strong></p>
            <button type="submit" class="tolem-button tolem-primary tolem-pay" disabled={props.busy || selected.is_none()}>
                { if props.busy { t(l, Msg::Preparing).to_owned() } else { tf(l, Msg::Pay, &[("amount", &props.amount)]) } }
            </button>
            if props.busy { <p class="tolem-sr-only" role="status">{ t(l, Msg::Preparing) }</p> }
        </form>
    }
}

/// Props of [`SignInView`].
#[derive(Properties, PartialEq)]
pub struct SignInViewProps {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// The last sign-in was refused.
    pub refused: bool,
    /// Unique prefix for element ids.
    pub group: String,
    /// Called with what the shopper typed when they submit the form.
    pub onsignin: Callback<SignInCredentials>,
}

/// `SigningIn`: email and password for the shop's account (OneEntry).
#[component]
pub fn SignInView(props: &SignInViewProps) -> Html {
    let l = props.locale;
    let onsubmit = props.onsignin.reform(|e: SubmitEvent| {
        e.prevent_default();
        let form = e.target_unchecked_into::<web_sys::HtmlFormElement>();
        let data = web_sys::FormData::new_with_form(&form).ok();
        let read = |name: &str| data.as_ref().and_then(|d| d.get(name).as_string()).unwrap_or_default();
        SignInCredentials { email: read("email").trim().to_owned(), password: read("password") }
    });
    let title_id = format!("{}-signin", props.group);
    let (email_id, password_id) = (format!("{title_id}-email"), format!("{title_id}-password"));
    html! {
        <form class="tolem-signin" {onsubmit} aria-labelledby={title_id.clone()}>
            <h2 class="tolem-title tolem-focus" tabindex="-1" id={title_id}>{ t(l, Msg::SignInTitle) }</h2>
            <p class="tolem-hint">{ t(l, Msg::SignInHint) }</p>
            if props.refused { <p class="tolem-field-error" role="alert">{ t(l, Msg::SignInRefused) }</p> }
            <div class="tolem-field">
                <label class="tolem-field-label" for={email_id.clone()}>{ t(l, Msg::Email) }</label>
                <input class="tolem-input" id={email_id} type="email" name="email" autocomplete="email" required=true />
            </div>
            <div class="tolem-field">
                <label class="tolem-field-label" for={password_id.clone()}>{ t(l, Msg::Password) }</label>
                <input class="tolem-input" id={password_id} type="password" name="password"
                    autocomplete="current-password" required=true />
            </div>
            <button type="submit" class="tolem-button tolem-primary">{ t(l, Msg::SignIn) }</button>
        </form>
    }
}

/// Props of [`RedirectView`].
#[derive(Properties, PartialEq)]
pub struct RedirectViewProps {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// Whose page the shopper is sent to (named in the texts).
    pub provider: Provider,
    /// The provider's page.
    pub url: String,
    /// Navigation did not happen: show a link.
    pub blocked: bool,
}

/// `Redirecting`: says where the shopper is going; a link if the browser did not go.
#[component]
pub fn RedirectView(props: &RedirectViewProps) -> Html {
    let l = props.locale;
    let text = tf(l, Msg::Redirecting, &[("provider", provider_name(props.provider))]);
    let hint = t(l, if props.blocked { Msg::RedirectBlocked } else { Msg::RedirectWait }).to_owned();
    html! {
        <div class="tolem-redirect">
            <Progress {text} {hint} />
            if props.blocked {
                <a class="tolem-button tolem-primary tolem-focus" href={props.url.clone()} rel="noopener">{ t(l, Msg::OpenPaymentPage) }</a>
            }
        </div>
    }
}

/// Props of [`StillPendingView`].
#[derive(Properties, PartialEq)]
pub struct StillPendingViewProps {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// "Check again".
    pub oncheck: Callback<()>,
}

/// `StillPending`: the time budget ran out; honest words and a way to ask again.
#[component]
pub fn StillPendingView(props: &StillPendingViewProps) -> Html {
    let l = props.locale;
    let oncheck = props.oncheck.reform(|_: MouseEvent| ());
    html! {
        <div class="tolem-result tolem-pending" role="status">
            <h2 class="tolem-title tolem-focus" tabindex="-1">{ t(l, Msg::StillPending) }</h2>
            <p>{ t(l, Msg::StillPendingHint) }</p>
            <button type="button" class="tolem-button" onclick={oncheck}>{ t(l, Msg::CheckAgain) }</button>
        </div>
    }
}

/// Props of [`ResultView`].
#[derive(Properties, PartialEq)]
pub struct ResultViewProps {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// The final status.
    pub status: PaymentStatus,
    /// The formatted amount.
    pub amount: String,
    /// "Try again" / "Choose another way" (offered when nothing was paid).
    pub onretry: Callback<()>,
}

/// `Final`: the outcome, announced.
#[component]
pub fn ResultView(props: &ResultViewProps) -> Html {
    let l = props.locale;
    let (text, class, retry) = match props.status {
        PaymentStatus::Paid => (Msg::Paid, "tolem-success", None),
        PaymentStatus::Authorized => (Msg::Authorized, "tolem-success", None),
        PaymentStatus::Refunded => (Msg::Refunded, "tolem-neutral", None),
        PaymentStatus::Failed => (Msg::Failed, "tolem-failure", Some(Msg::TryAgain)),
        PaymentStatus::Cancelled => (Msg::Cancelled, "tolem-neutral", Some(Msg::ChooseAnother)),
        PaymentStatus::Expired => (Msg::Expired, "tolem-failure", Some(Msg::TryAgain)),
        PaymentStatus::Pending => (Msg::StillPending, "tolem-pending", None),
    };
    let detail = match props.status {
        PaymentStatus::Paid => Some(tf(l, Msg::PaidAmount, &[("amount", &props.amount)])),
        PaymentStatus::Failed => Some(t(l, Msg::FailedHint).to_owned()),
        _ => None,
    };
    let onretry = props.onretry.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("tolem-result", class)} role="status" data-status={props.status.as_str()}>
            <h2 class="tolem-title tolem-focus" tabindex="-1">{ t(l, text) }</h2>
            if let Some(detail) = detail { <p>{ detail }</p> }
            if let Some(label) = retry {
                <button type="button" class="tolem-button" onclick={onretry}>{ t(l, label) }</button>
            }
        </div>
    }
}

/// Props of [`ErrorView`].
#[derive(Properties, PartialEq)]
pub struct ErrorViewProps {
    /// The language every text of the view is in.
    pub locale: Locale,
    /// What went wrong.
    pub error: CheckoutError,
    /// "Try again".
    pub onretry: Callback<()>,
}

/// `Failed`: a translated message chosen by the error code, and "Try again" when trying
/// again can help.
#[component]
pub fn ErrorView(props: &ErrorViewProps) -> Html {
    let l = props.locale;
    let text = match props.error.code {
        ErrorCode::NetworkError => Msg::ErrorNetwork,
        ErrorCode::BackendError => Msg::ErrorBackend,
        ErrorCode::ProviderError => Msg::ErrorProvider,
        ErrorCode::ConfigError => Msg::ErrorConfig,
        ErrorCode::RedirectBlocked => Msg::ErrorRedirect,
        ErrorCode::Internal => Msg::ErrorInternal,
    };
    let onretry = props.onretry.reform(|_: MouseEvent| ());
    // "Try again" starts the checkout over, which can get past almost anything (a network
    // blip, a 5xx, a forgotten attempt, a blocked page); only options the merchant got
    // wrong fail the same way every time, and the shopper cannot fix those.
    let recoverable = props.error.code != ErrorCode::ConfigError;
    html! {
        <div class="tolem-error" role="alert" data-code={props.error.code.as_str()}>
            <p class="tolem-error-text tolem-focus" tabindex="-1">{ t(l, text) }</p>
            if recoverable {
                <button type="button" class="tolem-button" onclick={onretry}>{ t(l, Msg::TryAgain) }</button>
            } else {
                <p>{ t(l, Msg::ErrorTellShop) }</p>
            }
        </div>
    }
}

/// Props of [`Progress`].
#[derive(Properties, PartialEq)]
pub struct ProgressProps {
    /// What is happening.
    pub text: AttrValue,
    /// What happens next.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// A spinner that always says what it is waiting for, announced politely.
#[component]
pub fn Progress(props: &ProgressProps) -> Html {
    html! {
        <div class="tolem-progress tolem-focus" role="status" aria-live="polite" tabindex="-1">
            <span class="tolem-spinner" aria-hidden="true"></span>
            <p class="tolem-progress-text">{ props.text.clone() }</p>
            if let Some(hint) = &props.hint { <p class="tolem-hint">{ hint.clone() }</p> }
        </div>
    }
}
