//! One view per flow state. Views only render; every action is a callback to the component.

use yew::prelude::*;

use tolem_core::api::{MethodKind, PaymentMethod};
use tolem_core::error::ErrorCode;
use tolem_core::flow::State;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use crate::i18n::{provider_name, t, Locale, Text};

/// What every view may need.
pub struct ViewContext {
    /// Language.
    pub locale: Locale,
    /// Provider.
    pub provider: Provider,
    /// The formatted amount.
    pub amount: String,
    /// Radio group name, unique per widget.
    pub group: String,
    /// A method was picked.
    pub onselect: Callback<String>,
    /// Pay was pressed.
    pub onpay: Callback<()>,
    /// "Check again".
    pub oncheck: Callback<()>,
    /// "Try again" / "Choose another way".
    pub onretry: Callback<()>,
}

/// The view for a state.
pub fn render(state: &State, cx: &ViewContext) -> Html {
    let l = cx.locale;
    let body = match state {
        State::Unmounted | State::AwaitingStart { .. } | State::AwaitingMethods { .. } => {
            html! { <Progress text={t(l, Text::LoadingMethods)} /> }
        }
        State::ChoosingMethod { methods, selected, .. } => methods_view(cx, methods, selected.as_deref(), false),
        State::AwaitingRedirect { methods, method_id, .. } => methods_view(cx, methods, Some(method_id), true),
        State::Redirecting { url, blocked, .. } => html! {
            <div class="tolem-redirect">
                <Progress text={t(l, Text::Redirecting)} hint={provider_name(cx.provider)} />
                if *blocked {
                    <a class="tolem-button tolem-primary" href={url.clone()} rel="noopener">{ t(l, Text::OpenPaymentPage) }</a>
                }
            </div>
        },
        State::AwaitingStatus { poll, .. } => {
            let hint = if poll.trouble { t(l, Text::ConnectionTrouble) } else { t(l, Text::ConfirmingHint) };
            html! {
                <div class="tolem-confirming">
                    <Progress text={t(l, Text::Confirming)} {hint} />
                    if let Some(url) = &poll.payment_page {
                        <a class="tolem-button" href={url.clone()} target="_blank" rel="noopener">{ t(l, Text::OpenPaymentPage) }</a>
                    }
                </div>
            }
        }
        State::StillPending { .. } => {
            let oncheck = cx.oncheck.reform(|_: MouseEvent| ());
            html! {
                <div class="tolem-result tolem-pending" role="status">
                    <h2 class="tolem-title">{ t(l, Text::StillPending) }</h2>
                    <p>{ t(l, Text::StillPendingHint) }</p>
                    <button type="button" class="tolem-button" onclick={oncheck}>{ t(l, Text::CheckAgain) }</button>
                </div>
            }
        }
        State::Final { status, .. } => final_view(cx, *status),
        State::Failed { error, .. } => {
            let text = match error.code {
                ErrorCode::NetworkError => Text::ErrorNetwork,
                ErrorCode::BackendError => Text::ErrorBackend,
                ErrorCode::ProviderError => Text::ErrorProvider,
                ErrorCode::ConfigError => Text::ErrorConfig,
                ErrorCode::RedirectBlocked => Text::ErrorRedirect,
                ErrorCode::Internal => Text::ErrorInternal,
            };
            let onretry = cx.onretry.reform(|_: MouseEvent| ());
            html! {
                <div class="tolem-error" role="alert" data-code={error.code.as_str()}>
                    <p>{ t(l, text) }</p>
                    <button type="button" class="tolem-button" onclick={onretry}>{ t(l, Text::TryAgain) }</button>
                </div>
            }
        }
    };
    html! { <div class="tolem-checkout" lang={l.tag()}>{ body }</div> }
}

fn method_label(l: Locale, m: &PaymentMethod) -> String {
    match m.kind {
        MethodKind::Card => t(l, Text::NewCard).to_owned(),
        MethodKind::SavedCard => format!("{} {}", t(l, Text::SavedCard), m.label),
        MethodKind::Wallet => m.label.clone(),
    }
}

fn methods_view(cx: &ViewContext, methods: &[PaymentMethod], selected: Option<&str>, busy: bool) -> Html {
    let l = cx.locale;
    let legend_id = format!("{}-legend", cx.group);
    let onsubmit = cx.onpay.reform(|e: SubmitEvent| e.prevent_default());
    html! {
        <form class="tolem-methods" {onsubmit} aria-busy={busy.to_string()}>
            <fieldset class="tolem-fieldset" role="radiogroup" aria-labelledby={legend_id.clone()} disabled={busy}>
                <legend id={legend_id} class="tolem-legend">{ t(l, Text::ChooseMethod) }</legend>
                { for methods.iter().enumerate().map(|(i, m)| {
                    let id = format!("{}-{i}", cx.group);
                    let method_id = m.id.clone();
                    let onchange = cx.onselect.reform(move |_: Event| method_id.clone());
                    html! {
                        <div class="tolem-method">
                            <input type="radio" class="tolem-radio" id={id.clone()} name={cx.group.clone()} value={m.id.clone()}
                                checked={selected == Some(m.id.as_str())} {onchange} />
                            <label for={id}>{ method_label(l, m) }</label>
                        </div>
                    }
                }) }
            </fieldset>
            <p class="tolem-total">{ t(l, Text::Total) }{ ": " }<strong>{ cx.amount.clone() }</strong></p>
            <button type="submit" class="tolem-button tolem-primary tolem-pay" disabled={busy || selected.is_none()}>
                { if busy { t(l, Text::Preparing).to_owned() } else { format!("{} {}", t(l, Text::Pay), cx.amount) } }
            </button>
            if busy { <p class="tolem-sr-only" role="status">{ t(l, Text::Preparing) }</p> }
        </form>
    }
}

fn final_view(cx: &ViewContext, status: PaymentStatus) -> Html {
    let l = cx.locale;
    let (text, class, retry) = match status {
        PaymentStatus::Paid => (Text::Paid, "tolem-success", None),
        PaymentStatus::Authorized => (Text::Authorized, "tolem-success", None),
        PaymentStatus::Refunded => (Text::Refunded, "tolem-neutral", None),
        PaymentStatus::Failed => (Text::Failed, "tolem-failure", Some(Text::TryAgain)),
        PaymentStatus::Cancelled => (Text::Cancelled, "tolem-neutral", Some(Text::ChooseAnother)),
        PaymentStatus::Expired => (Text::Expired, "tolem-failure", Some(Text::TryAgain)),
        PaymentStatus::Pending => (Text::StillPending, "tolem-pending", None),
    };
    let onretry = cx.onretry.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("tolem-result", class)} role="status" data-status={status.as_str()}>
            <h2 class="tolem-title">{ t(l, text) }</h2>
            if let Some(label) = retry {
                <button type="button" class="tolem-button" onclick={onretry}>{ t(l, label) }</button>
            }
        </div>
    }
}

/// Props of [`Progress`].
#[derive(Properties, PartialEq)]
pub struct ProgressProps {
    /// What is happening.
    pub text: &'static str,
    /// What happens next.
    #[prop_or_default]
    pub hint: Option<&'static str>,
}

/// A spinner that always says what it is waiting for.
#[component]
pub fn Progress(props: &ProgressProps) -> Html {
    html! {
        <div class="tolem-progress" role="status" aria-live="polite">
            <span class="tolem-spinner" aria-hidden="true"></span>
            <p class="tolem-progress-text">{ props.text }</p>
            if let Some(hint) = props.hint { <p class="tolem-hint">{ hint }</p> }
        </div>
    }
}
