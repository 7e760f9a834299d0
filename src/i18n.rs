//! Shopper-facing text in Kazakh, Russian and English. Every text is a [`Text`] variant and
//! every locale answers every variant (an exhaustive `match`), so a missing translation
//! does not compile.

use tolem_core::money::{format_amount, Currency, MinorUnits, NumberStyle};
use tolem_core::providers::Provider;

/// Supported languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    /// Қазақша.
    Kk,
    /// Русский.
    Ru,
    /// English.
    En,
}

impl Locale {
    /// From a BCP 47 tag (`kk`, `kk-KZ`, `ru-RU`, `en-GB`).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "kk" => Some(Locale::Kk),
            "ru" => Some(Locale::Ru),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The tag for `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Kk => "kk",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    fn number_style(self) -> NumberStyle {
        match self {
            Locale::Kk | Locale::Ru => NumberStyle { group: '\u{202f}', decimal: ',' },
            Locale::En => NumberStyle { group: ',', decimal: '.' },
        }
    }

    /// An amount as this locale writes it.
    pub fn money(self, amount: MinorUnits, currency: Currency) -> String {
        format_amount(amount, currency, self.number_style())
    }
}

/// Every text the shopper can see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    LoadingMethods,
    ChooseMethod,
    NewCard,
    SavedCard,
    Pay,
    Preparing,
    Redirecting,
    OpenPaymentPage,
    Confirming,
    ConfirmingHint,
    ConnectionTrouble,
    StillPending,
    StillPendingHint,
    CheckAgain,
    Paid,
    Authorized,
    Failed,
    Cancelled,
    Expired,
    Refunded,
    TryAgain,
    ChooseAnother,
    ErrorNetwork,
    ErrorBackend,
    ErrorProvider,
    ErrorConfig,
    ErrorRedirect,
    ErrorInternal,
    Total,
    SignInTitle,
    SignInHint,
    Email,
    Password,
    SignIn,
    SignInRefused,
    FieldRequired,
    FieldInvalid,
    OrderPlaced,
    OrderPlacedHint,
}

/// The text in a locale.
pub fn t(locale: Locale, text: Text) -> &'static str {
    use Text::*;
    match locale {
        Locale::Kk => match text {
            LoadingMethods => "Төлем тәсілдері жүктелуде…",
            ChooseMethod => "Төлем тәсілін таңдаңыз",
            NewCard => "Банк картасы",
            SavedCard => "Сақталған карта",
            Pay => "Төлеу",
            Preparing => "Төлем дайындалуда…",
            Redirecting => "Төлем бетіне өтудесіз…",
            OpenPaymentPage => "Төлем бетін ашу",
            Confirming => "Төлем расталуда…",
            ConfirmingHint => "Әдетте бұл бірнеше секунд алады. Бетті жаппаңыз.",
            ConnectionTrouble => "Байланыс үзілді, қайта тексереміз…",
            StillPending => "Төлем әлі расталуда",
            StillPendingHint => "Дүкен нәтиже туралы сізге хабарлайды. Қайта төлеудің қажеті жоқ.",
            CheckAgain => "Қайта тексеру",
            Paid => "Төлем сәтті өтті",
            Authorized => "Төлем расталды, сома бұғатталды",
            Failed => "Төлем қабылданбады",
            Cancelled => "Төлем тоқтатылды",
            Expired => "Төлем мерзімі өтіп кетті",
            Refunded => "Төлем қайтарылды",
            TryAgain => "Қайталау",
            ChooseAnother => "Басқа тәсілді таңдау",
            ErrorNetwork => "Дүкенмен байланыс жоқ. Интернетті тексеріп, қайталаңыз.",
            ErrorBackend => "Дүкен сұрауды өңдей алмады. Қайталап көріңіз.",
            ErrorProvider => "Төлем жүйесі қазір қолжетімсіз. Сәлден соң қайталаңыз.",
            ErrorConfig => "Төлем формасы дұрыс бапталмаған.",
            ErrorRedirect => "Қауіпсіз емес төлем беті бұғатталды.",
            ErrorInternal => "Күтпеген қате орын алды.",
            Total => "Сомасы",
            SignInTitle => "Төлеу үшін кіріңіз",
            SignInHint => "Дүкендегі тіркелгіңіздің email мен құпиясөзі.",
            Email => "Email",
            Password => "Құпиясөз",
            SignIn => "Кіру",
            SignInRefused => "Email немесе құпиясөз қате. Қайта енгізіңіз.",
            FieldRequired => "Бұл өрісті толтырыңыз.",
            FieldInvalid => "Мәнді тексеріңіз.",
            OrderPlaced => "Тапсырыс қабылданды",
            OrderPlacedHint => "Тапсырысты алған кезде төлейсіз. Қазір ештеңе төлеудің қажеті жоқ.",
        },
        Locale::Ru => match text {
            LoadingMethods => "Загружаем способы оплаты…",
            ChooseMethod => "Выберите способ оплаты",
            NewCard => "Банковская карта",
            SavedCard => "Сохранённая карта",
            Pay => "Оплатить",
            Preparing => "Готовим оплату…",
            Redirecting => "Переходим на страницу оплаты…",
            OpenPaymentPage => "Открыть страницу оплаты",
            Confirming => "Подтверждаем оплату…",
            ConfirmingHint => "Обычно это занимает несколько секунд. Не закрывайте страницу.",
            ConnectionTrouble => "Связь прервалась, проверяем снова…",
            StillPending => "Оплата ещё подтверждается",
            StillPendingHint => "Магазин сообщит вам результат. Платить повторно не нужно.",
            CheckAgain => "Проверить снова",
            Paid => "Оплата прошла успешно",
            Authorized => "Оплата подтверждена, сумма заблокирована",
            Failed => "Оплата отклонена",
            Cancelled => "Оплата отменена",
            Expired => "Время на оплату истекло",
            Refunded => "Платёж возвращён",
            TryAgain => "Повторить",
            ChooseAnother => "Выбрать другой способ",
            ErrorNetwork => "Нет связи с магазином. Проверьте интернет и повторите.",
            ErrorBackend => "Магазин не смог обработать запрос. Попробуйте ещё раз.",
            ErrorProvider => "Платёжная система сейчас недоступна. Повторите чуть позже.",
            ErrorConfig => "Форма оплаты настроена неверно.",
            ErrorRedirect => "Небезопасная страница оплаты заблокирована.",
            ErrorInternal => "Произошла непредвиденная ошибка.",
            Total => "Сумма",
            SignInTitle => "Войдите, чтобы оплатить",
            SignInHint => "Email и пароль вашей учётной записи в магазине.",
            Email => "Email",
            Password => "Пароль",
            SignIn => "Войти",
            SignInRefused => "Неверный email или пароль. Попробуйте ещё раз.",
            FieldRequired => "Заполните это поле.",
            FieldInvalid => "Проверьте значение.",
            OrderPlaced => "Заказ оформлен",
            OrderPlacedHint => "Оплата при получении. Сейчас платить ничего не нужно.",
        },
        Locale::En => match text {
            LoadingMethods => "Loading payment methods…",
            ChooseMethod => "Choose how to pay",
            NewCard => "Bank card",
            SavedCard => "Saved card",
            Pay => "Pay",
            Preparing => "Preparing your payment…",
            Redirecting => "Taking you to the payment page…",
            OpenPaymentPage => "Open the payment page",
            Confirming => "Confirming your payment…",
            ConfirmingHint => "This usually takes a few seconds. Please keep this page open.",
            ConnectionTrouble => "Connection lost, checking again…",
            StillPending => "Your payment is still being confirmed",
            StillPendingHint => "The shop will let you know the result. There is no need to pay again.",
            CheckAgain => "Check again",
            Paid => "Payment successful",
            Authorized => "Payment approved, the amount is on hold",
            Failed => "Payment declined",
            Cancelled => "Payment cancelled",
            Expired => "The time to pay has run out",
            Refunded => "Payment refunded",
            TryAgain => "Try again",
            ChooseAnother => "Choose another way to pay",
            ErrorNetwork => "Cannot reach the shop. Check your connection and try again.",
            ErrorBackend => "The shop could not process the request. Please try again.",
            ErrorProvider => "The payment system is unavailable right now. Try again shortly.",
            ErrorConfig => "The payment form is not set up correctly.",
            ErrorRedirect => "An unsafe payment page was blocked.",
            ErrorInternal => "Something unexpected went wrong.",
            Total => "Total",
            SignInTitle => "Sign in to pay",
            SignInHint => "The email and password of your account with the shop.",
            Email => "Email",
            Password => "Password",
            SignIn => "Sign in",
            SignInRefused => "Wrong email or password. Please try again.",
            FieldRequired => "Please fill this in.",
            FieldInvalid => "Please check this value.",
            OrderPlaced => "Order placed",
            OrderPlacedHint => "You pay on delivery. Nothing to pay now.",
        },
    }
}

/// The provider's name as the provider spells it.
pub fn provider_name(p: Provider) -> &'static str {
    match p {
        Provider::Ioka => "ioka",
        Provider::Bereke => "Bereke Bank",
        Provider::Ecommpay => "ECommPay",
        Provider::Paytone => "Paytone",
        Provider::Oneentry => "OneEntry",
    }
}
